package dev.forker.boot.autoconfigure;

import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.servlet.Filter;
import org.apache.coyote.http11.Http11NioProtocol;
import org.eclipse.jetty.server.ServerConnector;
import reactor.netty.http.server.HttpServer;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.cache.metrics.CacheMeterBinderProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jetty.JettyWebServerFactory;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.sql.init.dependency.DatabaseInitializerDetector;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.grpc.server.ServerBuilderCustomizer;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.server.WebFilter;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.cache.CoherentCacheManagers;
import dev.forker.boot.cache.CoherentCacheMeterBinderProvider;
import dev.forker.boot.cache.CoherentCacheMetrics;
import dev.forker.boot.database.AwaitDatabaseInitialization;
import dev.forker.boot.database.DatabaseInitializedReporter;
import dev.forker.boot.grpc.ForkerNettyGrpcServerBuilderCustomizer;
import dev.forker.boot.grpc.GrpcHealthOnShutdown;
import dev.forker.boot.grpc.GrpcPortCheck;
import dev.forker.boot.grpc.GrpcServerAddress;
import dev.forker.boot.grpc.ShadedNettyGrpcServerBuilderCustomizer;
import dev.forker.boot.jetty.ForkerJettyWebServerFactoryCustomizer;
import dev.forker.boot.jetty.JettyConnectionDrain;
import dev.forker.boot.netty.ForkerNettyWebServerFactoryCustomizer;
import dev.forker.boot.netty.NettyConnectionDrain;
import dev.forker.boot.scheduling.OncePerApplicationScheduling;
import dev.forker.boot.scheduling.WorkerRoleEventPublisher;
import dev.forker.boot.tomcat.ForkerTomcatWebServerFactoryCustomizer;
import dev.forker.boot.worker.AvailabilityWorkerHealthCheck;
import dev.forker.boot.worker.PerWorkerStateWarnings;
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
	@ConditionalOnBean(WorkerAgent.class)
	static class WorkerRolesConfiguration {

		@Bean
		@ConditionalOnMissingBean
		WorkerRoleEventPublisher forkerWorkerRoleEventPublisher(WorkerAgent workerAgent,
				ApplicationEventPublisher applicationEventPublisher) {
			return new WorkerRoleEventPublisher(workerAgent, applicationEventPublisher);
		}

		@Bean
		@ConditionalOnMissingBean
		PerWorkerStateWarnings forkerPerWorkerStateWarnings(WorkerAgent workerAgent, ListableBeanFactory beanFactory,
				Environment environment) {
			return new PerWorkerStateWarnings(workerAgent, beanFactory, environment);
		}

		@Bean
		@ConditionalOnMissingBean
		OncePerApplicationScheduling forkerOncePerApplicationScheduling(WorkerAgent workerAgent,
				ForkerProperties properties, ResourceLoader resourceLoader) {
			ForkerProperties.Scheduling scheduling = properties.getScheduling();
			ClassLoader classLoader = resourceLoader.getClassLoader();
			return new OncePerApplicationScheduling(workerAgent,
					scheduling.getMode() == ForkerProperties.Scheduling.Mode.EVERY_WORKER,
					scheduling.getEveryWorkerJobs(),
					(classLoader != null) ? classLoader : OncePerApplicationScheduling.class.getClassLoader());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBean(WorkerAgent.class)
	@ConditionalOnBooleanProperty(name = "forker.cache.coherence", matchIfMissing = true)
	static class CacheCoherenceConfiguration {

		@Bean
		static CoherentCacheManagers forkerCoherentCacheManagers(WorkerAgent workerAgent) {
			return new CoherentCacheManagers(workerAgent);
		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnClass({ CacheMeterBinderProvider.class, MeterBinder.class })
		static class CacheCoherenceMetricsConfiguration {

			@Bean
			@ConditionalOnMissingBean
			CoherentCacheMeterBinderProvider forkerCoherentCacheMeterBinderProvider(
					ObjectProvider<CacheMeterBinderProvider<?>> providers) {
				return new CoherentCacheMeterBinderProvider(providers::orderedStream);
			}

			@Bean
			@ConditionalOnMissingBean
			CoherentCacheMetrics forkerCoherentCacheMetrics(CoherentCacheManagers coherentCacheManagers) {
				return new CoherentCacheMetrics(coherentCacheManagers);
			}

		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(DatabaseInitializerDetector.class)
	@ConditionalOnBean(WorkerAgent.class)
	static class DatabaseInitializationConfiguration {

		@Bean(AwaitDatabaseInitialization.BEAN_NAME)
		AwaitDatabaseInitialization forkerAwaitDatabaseInitialization(WorkerAgent workerAgent) {
			return new AwaitDatabaseInitialization(workerAgent);
		}

		@Bean
		static DatabaseInitializedReporter forkerDatabaseInitializedReporter(WorkerAgent workerAgent) {
			return new DatabaseInitializedReporter(workerAgent);
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
	@ConditionalOnClass({ JettyWebServerFactory.class, ServerConnector.class })
	@ConditionalOnBean(WorkerAgent.class)
	static class JettyWorkerConfiguration {

		@Bean
		@ConditionalOnMissingBean
		JettyConnectionDrain forkerJettyConnectionDrain(ForkerProperties properties) {
			return new JettyConnectionDrain(properties.getWorker().getDrainTimeout());
		}

		@Bean
		@ConditionalOnMissingBean
		ForkerJettyWebServerFactoryCustomizer forkerJettyWebServerFactoryCustomizer(WorkerAgent workerAgent,
				JettyConnectionDrain forkerJettyConnectionDrain) {
			return new ForkerJettyWebServerFactoryCustomizer(workerAgent.getEnvironment(), forkerJettyConnectionDrain);
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

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ServerBuilderCustomizer.class, NettyServerBuilder.class })
	@ConditionalOnBean(WorkerAgent.class)
	static class GrpcNettyWorkerConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ForkerNettyGrpcServerBuilderCustomizer forkerNettyGrpcServerBuilderCustomizer(WorkerAgent workerAgent,
				Environment environment) {
			return new ForkerNettyGrpcServerBuilderCustomizer(workerAgent.getEnvironment(),
					GrpcServerAddress.of(environment));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { "org.springframework.grpc.server.ServerBuilderCustomizer",
			"io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder" })
	@ConditionalOnBean(WorkerAgent.class)
	static class GrpcShadedNettyWorkerConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ShadedNettyGrpcServerBuilderCustomizer forkerShadedNettyGrpcServerBuilderCustomizer(WorkerAgent workerAgent,
				Environment environment) {
			return new ShadedNettyGrpcServerBuilderCustomizer(workerAgent.getEnvironment(),
					GrpcServerAddress.of(environment));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(GrpcServerLifecycle.class)
	@ConditionalOnBean(WorkerAgent.class)
	static class GrpcPortCheckConfiguration {

		@Bean
		@ConditionalOnMissingBean
		GrpcPortCheck forkerGrpcPortCheck(WorkerAgent workerAgent, ObjectProvider<GrpcServerLifecycle> servers) {
			return new GrpcPortCheck(workerAgent.getEnvironment(), servers);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthStatusManager.class)
	@ConditionalOnBean(WorkerAgent.class)
	static class GrpcHealthWorkerConfiguration {

		@Bean
		@ConditionalOnMissingBean
		GrpcHealthOnShutdown forkerGrpcHealthOnShutdown(ObjectProvider<HealthStatusManager> healthStatusManager) {
			return new GrpcHealthOnShutdown(healthStatusManager);
		}

	}

}
