package dev.forker.boot.autoconfigure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.session.autoconfigure.SessionAutoConfiguration;
import org.springframework.boot.session.autoconfigure.SessionTimeout;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;
import org.springframework.session.ReactiveSessionRepository;
import org.springframework.session.SaveMode;
import org.springframework.session.Session;
import org.springframework.session.SessionRepository;
import org.springframework.session.config.annotation.web.http.EnableSpringHttpSession;
import org.springframework.session.config.annotation.web.server.EnableSpringWebSession;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.control.StateDirectory;
import dev.forker.boot.session.ReactiveSharedSessionRepository;
import dev.forker.boot.session.SharedSessionRepository;
import dev.forker.boot.session.SessionStoreReport;
import dev.forker.boot.worker.WorkerAgent;

/**
 * Auto-configuration of HTTP sessions that every forker worker sees: unless the
 * application configures its own Spring Session store (Redis, JDBC, Hazelcast...), the
 * servlet {@code HttpSession} (Tomcat, Jetty) and WebFlux's {@code WebSession} are Spring
 * Session's, kept in files that every worker reads and writes directly. Spring Boot's
 * session configuration applies: timeout, cookie name and attributes.
 *
 * @since 0.1.0
 */
// Before WebFlux's, whose WebSessionManager would otherwise take the name Spring
// Session's
// needs; after Spring Boot's own session stores, which win
@AutoConfiguration(before = SessionAutoConfiguration.class,
		beforeName = "org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration",
		afterName = { "org.springframework.boot.session.jdbc.autoconfigure.JdbcSessionAutoConfiguration",
				"org.springframework.boot.session.data.redis.autoconfigure.SessionDataRedisAutoConfiguration" })
@ConditionalOnBooleanProperty("forker.enabled")
@ConditionalOnClass({ Session.class, SessionAutoConfiguration.class })
@ConditionalOnBean(WorkerAgent.class)
@ConditionalOnWebApplication
public final class ForkerSessionAutoConfiguration {

	ForkerSessionAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	SessionStoreReport forkerSessionStoreReport(WorkerAgent workerAgent, ListableBeanFactory beanFactory) {
		return new SessionStoreReport(workerAgent, beanFactory);
	}

	static SharedSessionRepository repository(WorkerAgent workerAgent, ForkerProperties properties,
			ResourceLoader resourceLoader, ObjectProvider<SessionTimeout> sessionTimeout) {
		ClassLoader classLoader = resourceLoader.getClassLoader();
		ForkerProperties.Sessions sessions = properties.getSessions();
		Path stateDirectory = StateDirectory.of(workerAgent.getEnvironment().controlSocket());
		try {
			return new SharedSessionRepository(stateDirectory,
					(classLoader != null) ? classLoader : SharedSessionRepository.class.getClassLoader(), () -> {
						SessionTimeout timeout = sessionTimeout.getIfAvailable();
						return (timeout != null) ? timeout.getTimeout() : null;
					}, SaveMode.valueOf(sessions.getSaveMode().name()), sessions.getMaxMemory().toBytes());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot map the board of the HTTP sessions in " + stateDirectory + " (" + ex
					+ "): the master creates it before it starts the workers. Make room in that file system (in a "
					+ "container, a larger /dev/shm), or set forker.sessions.enabled=false to keep sessions per worker.",
					ex);
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	@ConditionalOnBooleanProperty(name = "forker.sessions.enabled", matchIfMissing = true)
	@ConditionalOnMissingBean(SessionRepository.class)
	@EnableSpringHttpSession
	static class ServletSessionConfiguration {

		@Bean
		SharedSessionRepository sessionRepository(WorkerAgent workerAgent, ForkerProperties properties,
				ResourceLoader resourceLoader, ObjectProvider<SessionTimeout> sessionTimeout) {
			return repository(workerAgent, properties, resourceLoader, sessionTimeout);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnBooleanProperty(name = "forker.sessions.enabled", matchIfMissing = true)
	@ConditionalOnMissingBean(ReactiveSessionRepository.class)
	@EnableSpringWebSession
	static class ReactiveSessionConfiguration {

		@Bean
		ReactiveSharedSessionRepository reactiveSessionRepository(WorkerAgent workerAgent, ForkerProperties properties,
				ResourceLoader resourceLoader, ObjectProvider<SessionTimeout> sessionTimeout) {
			return new ReactiveSharedSessionRepository(
					repository(workerAgent, properties, resourceLoader, sessionTimeout));
		}

	}

}
