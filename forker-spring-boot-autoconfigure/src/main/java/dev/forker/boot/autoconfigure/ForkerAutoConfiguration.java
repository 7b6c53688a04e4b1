package dev.forker.boot.autoconfigure;

import jakarta.servlet.Filter;
import org.apache.coyote.http11.Http11NioProtocol;
import reactor.netty.http.server.HttpServer;

import org.springframework.beans.factory.ObjectProvider;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.server.WebFilter;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.netty.ForkerNettyWebServerFactoryCustomizer;
import dev.forker.boot.netty.NettyConnectionDrain;
import dev.forker.boot.tomcat.ForkerTomcatWebServerFactoryCustomizer;
import dev.forker.boot.worker.AvailabilityWorkerHealthCheck;
import dev.forker.boot.worker.RequestCountingFilter;
import dev.forker.boot.worker.RequestCountingWebFilter;
import dev.forker.boot.worker.WorkerAgent;
import dev.forker.boot.worker.WorkerHealthCheck;
import dev.forker.boot.worker.WorkerReporter;
import dev.forker.boot.worker.WorkerRequestCounter;

/**
 * Auto-configuration for forker. The master never builds an application context; in a
 * worker (where the {@link WorkerAgent} is registered) the web server is made to serve
 * the master's port.
 *
 * @since 0.1.0
 */
@AutoConfiguration
@ConditionalOnBooleanProperty("forker.enabled")
@EnableConfigurationProperties(ForkerProperties.class)
public final class ForkerAutoConfiguration {

	ForkerAutoConfiguration() {
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBean(WorkerAgent.class)
	static class WorkerReportingConfiguration {

		@Bean
		@ConditionalOnMissingBean
		WorkerRequestCounter workerRequestCounter() {
			return new WorkerRequestCounter();
		}

		@Bean
		@ConditionalOnMissingBean
		WorkerReporter workerReporter(WorkerAgent workerAgent, WorkerRequestCounter workerRequestCounter,
				ObjectProvider<WorkerHealthCheck> healthCheck,
				ObjectProvider<ApplicationAvailability> applicationAvailability) {
			return new WorkerReporter(workerAgent, workerRequestCounter, healthCheck.getIfAvailable(() -> {
				ApplicationAvailability availability = applicationAvailability.getIfAvailable();
				return (availability != null) ? new AvailabilityWorkerHealthCheck(availability) : () -> "UNKNOWN";
			}));
		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
		@ConditionalOnClass(Filter.class)
		static class ServletRequestCountingConfiguration {

			@Bean
			RequestCountingFilter forkerRequestCountingFilter(WorkerRequestCounter workerRequestCounter) {
				return new RequestCountingFilter(workerRequestCounter);
			}

		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
		@ConditionalOnClass(WebFilter.class)
		static class ReactiveRequestCountingConfiguration {

			@Bean
			RequestCountingWebFilter forkerRequestCountingWebFilter(WorkerRequestCounter workerRequestCounter) {
				return new RequestCountingWebFilter(workerRequestCounter);
			}

		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ TomcatWebServerFactory.class, Http11NioProtocol.class })
	@ConditionalOnBean(WorkerAgent.class)
	static class TomcatWorkerConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ForkerTomcatWebServerFactoryCustomizer forkerTomcatWebServerFactoryCustomizer(ForkerProperties properties) {
			return new ForkerTomcatWebServerFactoryCustomizer(properties.getWorker().getDrainTimeout());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ NettyReactiveWebServerFactory.class, HttpServer.class })
	@ConditionalOnBean(WorkerAgent.class)
	static class NettyWorkerConfiguration {

		@Bean
		@ConditionalOnMissingBean
		NettyConnectionDrain forkerNettyConnectionDrain(ForkerProperties properties) {
			return new NettyConnectionDrain(properties.getWorker().getDrainTimeout());
		}

		@Bean
		@ConditionalOnMissingBean
		ForkerNettyWebServerFactoryCustomizer forkerNettyWebServerFactoryCustomizer(WorkerAgent workerAgent,
				ObjectProvider<ReactorResourceFactory> resourceFactory,
				NettyConnectionDrain forkerNettyConnectionDrain) {
			return new ForkerNettyWebServerFactoryCustomizer(workerAgent.getEnvironment(),
					resourceFactory.getIfAvailable(ReactorResourceFactory::new), forkerNettyConnectionDrain);
		}

	}

}
