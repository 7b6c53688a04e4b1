package dev.forker.boot.autoconfigure;

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
import org.springframework.session.Session;
import org.springframework.session.SessionRepository;
import org.springframework.session.config.annotation.web.http.EnableSpringHttpSession;
import org.springframework.session.config.annotation.web.server.EnableSpringWebSession;

import dev.forker.boot.session.MasterSessionRepository;
import dev.forker.boot.session.ReactiveMasterSessionRepository;
import dev.forker.boot.session.SessionStoreReport;
import dev.forker.boot.worker.WorkerAgent;

/**
 * Auto-configuration of HTTP sessions that every forker worker sees: unless the
 * application configures its own Spring Session store (Redis, JDBC, Hazelcast...), the
 * servlet {@code HttpSession} (Tomcat, Jetty) and WebFlux's {@code WebSession} are Spring
 * Session's, kept in the master. Spring Boot's session configuration applies: timeout,
 * cookie name and attributes.
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

	static MasterSessionRepository repository(WorkerAgent workerAgent, ResourceLoader resourceLoader,
			ObjectProvider<SessionTimeout> sessionTimeout) {
		ClassLoader classLoader = resourceLoader.getClassLoader();
		return new MasterSessionRepository(workerAgent,
				(classLoader != null) ? classLoader : MasterSessionRepository.class.getClassLoader(), () -> {
					SessionTimeout timeout = sessionTimeout.getIfAvailable();
					return (timeout != null) ? timeout.getTimeout() : null;
				});
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	@ConditionalOnBooleanProperty(name = "forker.sessions.enabled", matchIfMissing = true)
	@ConditionalOnMissingBean(SessionRepository.class)
	@EnableSpringHttpSession
	static class ServletSessionConfiguration {

		@Bean
		MasterSessionRepository sessionRepository(WorkerAgent workerAgent, ResourceLoader resourceLoader,
				ObjectProvider<SessionTimeout> sessionTimeout) {
			return repository(workerAgent, resourceLoader, sessionTimeout);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnBooleanProperty(name = "forker.sessions.enabled", matchIfMissing = true)
	@ConditionalOnMissingBean(ReactiveSessionRepository.class)
	@EnableSpringWebSession
	static class ReactiveSessionConfiguration {

		@Bean
		ReactiveMasterSessionRepository reactiveSessionRepository(WorkerAgent workerAgent,
				ResourceLoader resourceLoader, ObjectProvider<SessionTimeout> sessionTimeout) {
			return new ReactiveMasterSessionRepository(repository(workerAgent, resourceLoader, sessionTimeout));
		}

	}

}
