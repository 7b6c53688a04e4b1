package dev.forker.boot.tomcat;

import java.time.Duration;

import org.apache.coyote.ProtocolHandler;
import org.apache.coyote.http11.Http11NioProtocol;

import org.springframework.boot.tomcat.TomcatProtocolHandlerCustomizer;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.boot.web.server.Shutdown;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

import dev.forker.boot.worker.WorkerEnvironment;

/**
 * Makes a worker's Tomcat serve the master's port through a
 * {@link ForkerHttp11NioProtocol}, and drain its connections on a graceful shutdown. It
 * runs after Spring Boot's own customizers, so that the port the master chose wins and
 * the shutdown mode is known.
 *
 * @since 0.1.0
 */
public class ForkerTomcatWebServerFactoryCustomizer
		implements WebServerFactoryCustomizer<TomcatWebServerFactory>, Ordered {

	private final WorkerEnvironment worker;

	private final Duration drainTimeout;

	/**
	 * Create a new instance.
	 * @param worker the worker environment
	 * @param drainTimeout how long a graceful shutdown waits for open connections to send
	 * their next request
	 */
	public ForkerTomcatWebServerFactoryCustomizer(WorkerEnvironment worker, Duration drainTimeout) {
		this.worker = worker;
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
		factory.setPort(this.worker.port());
		boolean graceful = factory.getShutdown() == Shutdown.GRACEFUL;
		factory.addProtocolHandlerCustomizers(new DrainCustomizer(graceful, this.drainTimeout));
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
