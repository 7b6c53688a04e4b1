package dev.forker.boot.tomcat;

import org.apache.coyote.http11.Http11NioProtocol;

/**
 * Tomcat's HTTP/1.1 NIO protocol on a {@link ForkerNioEndpoint}. Tomcat instantiates it
 * by class name, see {@code TomcatWebServerFactory.setProtocol(String)}.
 *
 * @since 0.1.0
 */
public class ForkerHttp11NioProtocol extends Http11NioProtocol {

	/**
	 * Create a new instance.
	 */
	public ForkerHttp11NioProtocol() {
		super(new ForkerNioEndpoint());
	}

	/**
	 * Return the endpoint of this protocol.
	 * @return the endpoint
	 */
	public ForkerNioEndpoint getForkerEndpoint() {
		return (ForkerNioEndpoint) getEndpoint();
	}

}
