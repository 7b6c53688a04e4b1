package dev.forker.boot.tomcat;

import org.apache.coyote.http11.Http11NioProtocol;

import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

import dev.forker.boot.worker.WorkerEnvironment;

/**
 * Makes a worker's Tomcat serve the master's port through a
 * {@link ForkerHttp11NioProtocol}. It runs after Spring Boot's own customizers, so that
 * the port the master chose wins.
 *
 * @since 0.1.0
 */
public class ForkerTomcatWebServerFactoryCustomizer
		implements WebServerFactoryCustomizer<TomcatWebServerFactory>, Ordered {

	private final WorkerEnvironment worker;

	/**
	 * Create a new instance.
	 * @param worker the worker environment
	 */
	public ForkerTomcatWebServerFactoryCustomizer(WorkerEnvironment worker) {
		this.worker = worker;
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
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
