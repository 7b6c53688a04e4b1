package dev.forker.boot.netty;

import java.net.InetAddress;

import org.jspecify.annotations.Nullable;
import reactor.netty.resources.LoopResources;

import org.springframework.http.client.ReactorResourceFactory;

import dev.forker.boot.control.WorkerEnvironment;

/**
 * Hands a worker's Netty web server the application's Reactor resources, with the TCP
 * server channel set up for forker. It is not a bean: the application's
 * {@link ReactorResourceFactory} keeps managing the resources' lifecycle.
 *
 * @since 0.1.0
 */
final class WorkerReactorResourceFactory extends ReactorResourceFactory {

	private final ReactorResourceFactory delegate;

	private final WorkerEnvironment worker;

	private final @Nullable InetAddress address;

	private final int port;

	WorkerReactorResourceFactory(ReactorResourceFactory delegate, WorkerEnvironment worker,
			@Nullable InetAddress address, int port) {
		this.delegate = delegate;
		this.worker = worker;
		this.address = address;
		this.port = port;
	}

	@Override
	public LoopResources getLoopResources() {
		return new WorkerLoopResources(this.delegate.getLoopResources(), this.worker, this.address, this.port);
	}

}
