package dev.forker.boot.jetty;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/**
 * Answers every HTTP/1.x request that arrives on a {@link ForkerServerConnector#drain
 * draining} connector with {@code Connection: close}, so that the client sends its next
 * request on a new connection, to another worker. HTTP/2 has no such header.
 */
final class CloseWhenDraining implements HttpConfiguration.Customizer {

	@Override
	public Request customize(Request request, HttpFields.Mutable responseHeaders) {
		ConnectionMetaData connection = request.getConnectionMetaData();
		if (connection.getConnector() instanceof ForkerServerConnector connector && connector.isDraining()
				&& connection.getHttpVersion().getVersion() <= HttpVersion.HTTP_1_1.getVersion()) {
			responseHeaders.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
		}
		return request;
	}

}
