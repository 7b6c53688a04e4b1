package dev.forker.boot.jetty;

import org.springframework.boot.jetty.JettyWebServerFactory;
import org.springframework.boot.web.server.Shutdown;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

import dev.forker.boot.control.WorkerEnvironment;

/**
 * Makes a worker's Jetty server, servlet or reactive, serve the master's port through
 * {@link ForkerServerConnector}s and drain its connections before a graceful shutdown. A
 * connector on a port the workers cannot share fails the start. It runs after Spring
 * Boot's own customizers, so that the connectors and the shutdown mode are known.
 *
 * @since 0.1.0
 */
public class ForkerJettyWebServerFactoryCustomizer
		implements WebServerFactoryCustomizer<JettyWebServerFactory>, Ordered {

	private final WorkerEnvironment worker;

	private final JettyConnectionDrain drain;

	/**
	 * Create a new instance.
	 * @param worker the worker environment
	 * @param drain drains the server's connections before a graceful shutdown
	 */
	public ForkerJettyWebServerFactoryCustomizer(WorkerEnvironment worker, JettyConnectionDrain drain) {
		this.worker = worker;
		this.drain = drain;
	}

	@Override
	public void customize(JettyWebServerFactory factory) {
		// Server customizers run in order, after those of Spring Boot and the application
		factory.addServerCustomizers(new WorkerConnectors(this.worker), this.drain);
		this.drain.setEnabled(factory.getShutdown() == Shutdown.GRACEFUL);
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
