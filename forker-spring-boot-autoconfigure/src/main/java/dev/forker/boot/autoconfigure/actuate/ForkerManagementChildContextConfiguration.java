package dev.forker.boot.autoconfigure.actuate;

import org.apache.coyote.http11.Http11NioProtocol;
import org.eclipse.jetty.server.ServerConnector;
import reactor.netty.http.server.HttpServer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.jetty.JettyWebServerFactory;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.jetty.ForkerJettyWebServerFactoryCustomizer;
import dev.forker.boot.jetty.JettyConnectionDrain;
import dev.forker.boot.netty.ForkerNettyWebServerFactoryCustomizer;
import dev.forker.boot.netty.NettyConnectionDrain;
import dev.forker.boot.tomcat.ForkerTomcatWebServerFactoryCustomizer;
import dev.forker.boot.worker.WorkerAgent;

/**
 * Makes a worker's management server (a separate {@code management.server.port}) serve
 * the port the master shares, like the application's own server: Spring Boot creates it
 * in a child context, which the worker's customizers of the application context do not
 * reach.
 *
 * @since 0.1.0
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@ConditionalOnBooleanProperty("forker.enabled")
@ConditionalOnBean(WorkerAgent.class)
public final class ForkerManagementChildContextConfiguration {

	ForkerManagementChildContextConfiguration() {
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ TomcatWebServerFactory.class, Http11NioProtocol.class })
	static class TomcatManagementConfiguration {

		@Bean
		ForkerTomcatWebServerFactoryCustomizer forkerManagementTomcatWebServerFactoryCustomizer(
				ForkerProperties properties) {
			return new ForkerTomcatWebServerFactoryCustomizer(properties.getWorker().getDrainTimeout());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ JettyWebServerFactory.class, ServerConnector.class })
	static class JettyManagementConfiguration {

		@Bean
		JettyConnectionDrain forkerManagementJettyConnectionDrain(ForkerProperties properties) {
			return new JettyConnectionDrain(properties.getWorker().getDrainTimeout());
		}

		@Bean
		ForkerJettyWebServerFactoryCustomizer forkerManagementJettyWebServerFactoryCustomizer(WorkerAgent workerAgent,
				JettyConnectionDrain forkerManagementJettyConnectionDrain) {
			return new ForkerJettyWebServerFactoryCustomizer(workerAgent.getEnvironment(),
					forkerManagementJettyConnectionDrain);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ NettyReactiveWebServerFactory.class, HttpServer.class })
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	static class NettyManagementConfiguration {

		@Bean
		NettyConnectionDrain forkerManagementNettyConnectionDrain(ForkerProperties properties) {
			return new NettyConnectionDrain(properties.getWorker().getDrainTimeout());
		}

		@Bean
		ForkerNettyWebServerFactoryCustomizer forkerManagementNettyWebServerFactoryCustomizer(WorkerAgent workerAgent,
				ObjectProvider<ReactorResourceFactory> resourceFactory,
				NettyConnectionDrain forkerManagementNettyConnectionDrain) {
			return new ForkerNettyWebServerFactoryCustomizer(workerAgent.getEnvironment(),
					resourceFactory.getIfAvailable(ReactorResourceFactory::new), forkerManagementNettyConnectionDrain);
		}

	}

}
