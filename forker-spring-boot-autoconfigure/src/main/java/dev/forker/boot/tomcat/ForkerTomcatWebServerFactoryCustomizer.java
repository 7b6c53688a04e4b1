package dev.forker.boot.tomcat;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

import org.apache.catalina.Valve;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.valves.AccessLogValve;
import org.apache.coyote.ProtocolHandler;
import org.apache.coyote.http11.Http11NioProtocol;

import org.springframework.boot.tomcat.TomcatProtocolHandlerCustomizer;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.boot.web.server.Shutdown;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.diagnostics.ForkerUnsharedPortException;

/**
 * Makes a worker's Tomcat serve the master's port through a
 * {@link ForkerHttp11NioProtocol}, drain its connections on a graceful shutdown, and
 * write whole access log lines. An additional connector, which the workers cannot share,
 * fails the start. It runs after Spring Boot's own customizers, so that the shutdown mode
 * is known.
 *
 * @since 0.1.0
 */
public class ForkerTomcatWebServerFactoryCustomizer
		implements WebServerFactoryCustomizer<TomcatWebServerFactory>, Ordered {

	private final Duration drainTimeout;

	/**
	 * Create a new instance.
	 * @param drainTimeout how long a graceful shutdown waits for open connections to send
	 * their next request
	 */
	public ForkerTomcatWebServerFactoryCustomizer(Duration drainTimeout) {
		this.drainTimeout = drainTimeout;
	}

	@Override
	public void customize(TomcatWebServerFactory factory) {
		String protocol = factory.getProtocol();
		if (!Http11NioProtocol.class.getName().equals(protocol)
				&& !ForkerHttp11NioProtocol.class.getName().equals(protocol)) {
			throw new IllegalStateException("forker needs Tomcat's NIO connector (" + Http11NioProtocol.class.getName()
					+ "), but the Tomcat protocol is set to " + protocol);
		}
		factory.setProtocol(ForkerHttp11NioProtocol.class.getName());
		boolean graceful = factory.getShutdown() == Shutdown.GRACEFUL;
		factory.addProtocolHandlerCustomizers(new DrainCustomizer(graceful, this.drainTimeout));
		// Runs when the server is created, after every customizer
		factory.addContextCustomizers((context) -> {
			rejectUnsharedConnectors(factory.getAdditionalConnectors());
			writeAccessLogLinesWhole(factory.getEngineValves());
		});
	}

	private static void rejectUnsharedConnectors(List<Connector> connectors) {
		WorkerEnvironment worker = WorkerEnvironment.current();
		for (Connector connector : connectors) {
			if (worker != null && !(connector.getProtocolHandler() instanceof ForkerHttp11NioProtocol)) {
				throw new ForkerUnsharedPortException(connector.getPort(), null, worker.ports());
			}
		}
	}

	/**
	 * Every worker appends to the same access log file: each entry must go in one
	 * {@code write} of its own (the file is opened for appending), never in a buffer that
	 * could end in the middle of a line.
	 */
	private static void writeAccessLogLinesWhole(Collection<Valve> valves) {
		for (Valve valve : valves) {
			if (valve instanceof AccessLogValve accessLog) {
				accessLog.setBuffered(false);
			}
		}
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	private record DrainCustomizer(boolean graceful,
			Duration drainTimeout) implements TomcatProtocolHandlerCustomizer<ProtocolHandler> {

		@Override
		public void customize(ProtocolHandler protocolHandler) {
			if (protocolHandler instanceof ForkerHttp11NioProtocol protocol) {
				protocol.getForkerEndpoint().setDrainOnPause(this.graceful);
				protocol.getForkerEndpoint().setDrainTimeout(this.drainTimeout);
			}
		}

	}

}
