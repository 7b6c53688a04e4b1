package dev.forker.boot.autoconfigure;

import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.apache.coyote.http11.Http11NioProtocol;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.http.server.HttpServer;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jetty.JettyWebServerFactory;
import org.springframework.boot.jetty.reactive.JettyReactiveWebServerFactory;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.forker.boot.ForkerMode;
import dev.forker.boot.ForkerProperties;
import dev.forker.boot.cache.CoherentCacheManagers;
import dev.forker.boot.cache.CoherentCacheMeterBinderProvider;
import dev.forker.boot.cache.CoherentCacheMetrics;
import dev.forker.boot.jetty.ForkerJettyWebServerFactoryCustomizer;
import dev.forker.boot.jetty.JettyConnectionDrain;
import dev.forker.boot.netty.ForkerNettyWebServerFactoryCustomizer;
import dev.forker.boot.netty.NettyConnectionDrain;
import dev.forker.boot.tomcat.ForkerHttp11NioProtocol;
import dev.forker.boot.tomcat.ForkerTomcatWebServerFactoryCustomizer;
import dev.forker.boot.worker.WorkerAgent;
import dev.forker.boot.worker.WorkerAgents;
import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.StateDirectory;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ForkerAutoConfiguration}.
 */
class ForkerAutoConfigurationTests {

	private static final WorkerEnvironment WORKER = new WorkerEnvironment(2, 4242,
			Path.of("/tmp/forker-x/control.sock"), "token", WorkerSocketMode.REUSEPORT,
			List.of(new ServedPort("server.port", 18080, null)), Duration.ofSeconds(2), null);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ForkerAutoConfiguration.class));

	@Test
	void backsOffWhenForkerIsNotEnabled() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(ForkerProperties.class));
	}

	@Test
	void bindsPropertiesWhenEnabled() {
		this.contextRunner
			.withPropertyValues("forker.enabled=true", "forker.workers=3", "forker.restart.max-restarts=4",
					"forker.worker.jvm-args=-Xmx128m,-XX:+UseSerialGC")
			.run((context) -> {
				ForkerProperties properties = context.getBean(ForkerProperties.class);
				assertThat(properties.getWorkers()).isEqualTo(3);
				assertThat(properties.getMode()).isEqualTo(ForkerMode.SHARED);
				assertThat(properties.getRestart().getMaxRestarts()).isEqualTo(4);
				assertThat(properties.getWorker().getJvmArgs()).containsExactly("-Xmx128m", "-XX:+UseSerialGC");
			});
	}

	@Test
	void workersDefaultToAvailableProcessors() {
		this.contextRunner.withPropertyValues("forker.enabled=true")
			.run((context) -> assertThat(context.getBean(ForkerProperties.class).determineWorkers())
				.isEqualTo(Runtime.getRuntime().availableProcessors()));
	}

	@Test
	void doesNotCustomizeTomcatOutsideAWorker() {
		this.contextRunner.withPropertyValues("forker.enabled=true")
			.run((context) -> assertThat(context).doesNotHaveBean(ForkerTomcatWebServerFactoryCustomizer.class));
	}

	@Test
	void makesTomcatServeThroughForkersProtocolInAWorker() throws Exception {
		try (SocketChannel channel = SocketChannel.open()) {
			WorkerAgent agent = WorkerAgents.detached(WORKER, channel);
			this.contextRunner.withPropertyValues("forker.enabled=true")
				.withBean(WorkerAgent.class, () -> agent)
				.run((context) -> {
					assertThat(context).hasSingleBean(ForkerTomcatWebServerFactoryCustomizer.class);
					TomcatServletWebServerFactory factory = new TomcatServletWebServerFactory(8080);
					context.getBean(ForkerTomcatWebServerFactoryCustomizer.class).customize(factory);
					assertThat(factory.getProtocol()).isEqualTo(ForkerHttp11NioProtocol.class.getName());
					assertThat(factory.getProtocolHandlerCustomizers()).isNotEmpty();
				});
		}
	}

	@Test
	void keepsLocalCacheManagersCoherentInAWorker(@TempDir Path directory) throws Exception {
		// The master creates the state directory, where the log of invalidations goes
		Files.createDirectory(StateDirectory.of(directory.resolve("control.sock")));
		WorkerEnvironment worker = new WorkerEnvironment(2, 4242, directory.resolve("control.sock"), "token",
				WorkerSocketMode.REUSEPORT, List.of(new ServedPort("server.port", 18080, null)), Duration.ofSeconds(2),
				null);
		try (SocketChannel channel = SocketChannel.open()) {
			WorkerAgent agent = WorkerAgents.detached(worker, channel);
			this.contextRunner.withPropertyValues("forker.enabled=true")
				.withBean(WorkerAgent.class, () -> agent)
				.withBean(ConcurrentMapCacheManager.class, ConcurrentMapCacheManager::new)
				.run((context) -> {
					assertThat(context).hasSingleBean(CoherentCacheManagers.class);
					assertThat(context).hasSingleBean(CoherentCacheMeterBinderProvider.class);
					assertThat(context).hasSingleBean(CoherentCacheMetrics.class);
					assertThat(AopUtils.isAopProxy(context.getBean(ConcurrentMapCacheManager.class))).isTrue();
				});
		}
	}

	@Test
	void leavesCacheManagersAloneWhenCacheCoherenceIsOff() throws Exception {
		try (SocketChannel channel = SocketChannel.open()) {
			WorkerAgent agent = WorkerAgents.detached(WORKER, channel);
			this.contextRunner.withPropertyValues("forker.enabled=true", "forker.cache.coherence=false")
				.withBean(WorkerAgent.class, () -> agent)
				.withBean(ConcurrentMapCacheManager.class, ConcurrentMapCacheManager::new)
				.run((context) -> {
					assertThat(context).doesNotHaveBean(CoherentCacheManagers.class);
					assertThat(AopUtils.isAopProxy(context.getBean(ConcurrentMapCacheManager.class))).isFalse();
				});
		}
	}

	@Test
	void backsOffFromTomcatWithoutTomcat() throws Exception {
		try (SocketChannel channel = SocketChannel.open()) {
			WorkerAgent agent = WorkerAgents.detached(WORKER, channel);
			this.contextRunner.withPropertyValues("forker.enabled=true")
				.withBean(WorkerAgent.class, () -> agent)
				.withClassLoader(new FilteredClassLoader(Http11NioProtocol.class, TomcatWebServerFactory.class))
				.run((context) -> assertThat(context).doesNotHaveBean(ForkerTomcatWebServerFactoryCustomizer.class));
		}
	}

	@Test
	void backsOffFromAUserDefinedTomcatCustomizer() throws Exception {
		try (SocketChannel channel = SocketChannel.open()) {
			WorkerAgent agent = WorkerAgents.detached(WORKER, channel);
			this.contextRunner.withPropertyValues("forker.enabled=true")
				.withBean(WorkerAgent.class, () -> agent)
				.withUserConfiguration(CustomTomcatCustomizerConfiguration.class)
				.run((context) -> assertThat(context).getBean(ForkerTomcatWebServerFactoryCustomizer.class)
					.isSameAs(context.getBean("customForkerCustomizer")));
		}
	}

	@Test
	void makesJettyServeThroughForkersConnectorsInAWorker() throws Exception {
		try (SocketChannel channel = SocketChannel.open()) {
			WorkerAgent agent = WorkerAgents.detached(WORKER, channel);
			this.contextRunner.withPropertyValues("forker.enabled=true")
				.withBean(WorkerAgent.class, () -> agent)
				.run((context) -> {
					assertThat(context).hasSingleBean(ForkerJettyWebServerFactoryCustomizer.class);
					JettyConnectionDrain drain = context.getBean(JettyConnectionDrain.class);
					for (JettyWebServerFactory factory : List.of(new JettyServletWebServerFactory(18080),
							new JettyReactiveWebServerFactory(18080))) {
						context.getBean(ForkerJettyWebServerFactoryCustomizer.class).customize(factory);
						assertThat(factory.getServerCustomizers()).hasSize(2).contains(drain);
					}
					assertThat(drain.getPhase()).isGreaterThan(WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE);
				});
		}
	}

	@Test
	void backsOffFromJettyWithoutJetty() throws Exception {
		try (SocketChannel channel = SocketChannel.open()) {
			WorkerAgent agent = WorkerAgents.detached(WORKER, channel);
			this.contextRunner.withPropertyValues("forker.enabled=true")
				.withBean(WorkerAgent.class, () -> agent)
				.withClassLoader(new FilteredClassLoader(ServerConnector.class))
				.run((context) -> {
					assertThat(context).doesNotHaveBean(ForkerJettyWebServerFactoryCustomizer.class);
					assertThat(context).doesNotHaveBean(JettyConnectionDrain.class);
					assertThat(context).hasSingleBean(ForkerTomcatWebServerFactoryCustomizer.class);
				});
		}
	}

	@Test
	void doesNotCustomizeJettyOutsideAWorker() {
		this.contextRunner.withPropertyValues("forker.enabled=true")
			.run((context) -> assertThat(context).doesNotHaveBean(ForkerJettyWebServerFactoryCustomizer.class));
	}

	@Test
	void makesNettyServeThroughForkersLoopResourcesInAWorker() throws Exception {
		try (SocketChannel channel = SocketChannel.open()) {
			WorkerAgent agent = WorkerAgents.detached(WORKER, channel);
			this.contextRunner.withPropertyValues("forker.enabled=true")
				.withBean(WorkerAgent.class, () -> agent)
				.run((context) -> {
					assertThat(context).hasSingleBean(ForkerNettyWebServerFactoryCustomizer.class);
					NettyReactiveWebServerFactory factory = new NettyReactiveWebServerFactory(8080);
					context.getBean(ForkerNettyWebServerFactoryCustomizer.class).customize(factory);
					assertThat(factory.getServerCustomizers()).contains(context.getBean(NettyConnectionDrain.class));
					assertThat(context.getBean(NettyConnectionDrain.class).getPhase())
						.isGreaterThan(WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE);
				});
		}
	}

	@Test
	void backsOffFromNettyWithoutReactorNetty() throws Exception {
		try (SocketChannel channel = SocketChannel.open()) {
			WorkerAgent agent = WorkerAgents.detached(WORKER, channel);
			this.contextRunner.withPropertyValues("forker.enabled=true")
				.withBean(WorkerAgent.class, () -> agent)
				.withClassLoader(new FilteredClassLoader(HttpServer.class))
				.run((context) -> {
					assertThat(context).doesNotHaveBean(ForkerNettyWebServerFactoryCustomizer.class);
					assertThat(context).hasSingleBean(ForkerTomcatWebServerFactoryCustomizer.class);
				});
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomTomcatCustomizerConfiguration {

		@Bean
		ForkerTomcatWebServerFactoryCustomizer customForkerCustomizer() {
			return new ForkerTomcatWebServerFactoryCustomizer(Duration.ofSeconds(1));
		}

	}

}
