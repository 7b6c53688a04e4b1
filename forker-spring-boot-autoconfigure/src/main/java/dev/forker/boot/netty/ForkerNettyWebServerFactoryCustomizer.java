package dev.forker.boot.netty;

import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.Shutdown;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.http.client.ReactorResourceFactory;

import dev.forker.boot.control.WorkerEnvironment;

/**
 * Makes a worker's Reactor Netty server serve the master's port: bound with
 * {@code SO_REUSEPORT}, or on the socket inherited from the master, and drain its
 * connections before a graceful shutdown. It runs after Spring Boot's own customizers, so
 * that the port and the shutdown mode are known.
 *
 * @since 0.1.0
 */
public class ForkerNettyWebServerFactoryCustomizer
		implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory>, Ordered {

	private final WorkerEnvironment worker;

	private final ReactorResourceFactory resourceFactory;

	private final NettyConnectionDrain drain;

	/**
	 * Create a new instance.
	 * @param worker the worker environment
	 * @param resourceFactory the application's Reactor resources
	 * @param drain drains the server's connections before a graceful shutdown
	 */
	public ForkerNettyWebServerFactoryCustomizer(WorkerEnvironment worker, ReactorResourceFactory resourceFactory,
			NettyConnectionDrain drain) {
		this.worker = worker;
		this.resourceFactory = resourceFactory;
		this.drain = drain;
	}

	@Override
	public void customize(NettyReactiveWebServerFactory factory) {
		factory.setResourceFactory(new WorkerReactorResourceFactory(this.resourceFactory, this.worker,
				factory.getAddress(), factory.getPort()));
		this.drain.setEnabled(factory.getShutdown() == Shutdown.GRACEFUL);
		factory.addServerCustomizers(this.drain);
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
