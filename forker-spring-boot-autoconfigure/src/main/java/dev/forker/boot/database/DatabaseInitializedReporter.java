package dev.forker.boot.database;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.sql.init.dependency.DatabaseInitializerDetector;
import org.springframework.context.ApplicationListener;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

import dev.forker.boot.worker.WorkerAgent;

/**
 * In the worker that initializes the database, tells the master once the application
 * context's database initializers (the {@code spring.sql.init} scripts, Flyway,
 * Liquibase, and the JPA entity manager factories when Hibernate changes the schema) have
 * run, so that the other workers go on with their start. It finds them after Spring Boot
 * has detected them, by the mark Spring Boot leaves on their bean definitions; when there
 * are none, the master is told at once. The context's refresh tells it at the latest.
 *
 * @since 0.1.0
 */
public final class DatabaseInitializedReporter
		implements BeanFactoryPostProcessor, EnvironmentAware, Ordered, ApplicationListener<ContextRefreshedEvent> {

	private static final Log logger = LogFactory.getLog(DatabaseInitializedReporter.class);

	private static final String ENTITY_MANAGER_FACTORY = "jakarta.persistence.EntityManagerFactory";

	private final WorkerAgent agent;

	private final Set<String> pending = ConcurrentHashMap.newKeySet();

	private final AtomicBoolean reported = new AtomicBoolean();

	private @Nullable ConfigurableEnvironment environment;

	/**
	 * Create a new instance.
	 * @param agent the worker's link to its master
	 */
	public DatabaseInitializedReporter(WorkerAgent agent) {
		this.agent = agent;
	}

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = (environment instanceof ConfigurableEnvironment configurable) ? configurable : null;
	}

	@Override
	public int getOrder() {
		// After Spring Boot's DependsOnDatabaseInitializationPostProcessor (0)
		return 1;
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) throws BeansException {
		WorkerAgent.DatabaseTurn turn = this.agent.getDatabaseTurn();
		if (turn == null || !turn.initialize()) {
			return;
		}
		String mark = DatabaseInitializerDetector.class.getName();
		for (String name : beanFactory.getBeanDefinitionNames()) {
			if (beanFactory.getBeanDefinition(name).getAttribute(mark) != null
					&& !AwaitDatabaseInitialization.BEAN_NAME.equals(name)) {
				this.pending.add(name);
			}
		}
		ClassLoader classLoader = beanFactory.getBeanClassLoader();
		if (this.environment != null && DatabaseTurns.changesSchema(this.environment)
				&& ClassUtils.isPresent(ENTITY_MANAGER_FACTORY, classLoader)) {
			Class<?> type = ClassUtils.resolveClassName(ENTITY_MANAGER_FACTORY, classLoader);
			this.pending.addAll(Arrays.asList(beanFactory.getBeanNamesForType(type, true, false)));
		}
		if (this.pending.isEmpty()) {
			report("it has no database initializers");
			return;
		}
		beanFactory.addBeanPostProcessor(new BeanPostProcessor() {

			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (DatabaseInitializedReporter.this.pending.remove(beanName)
						&& DatabaseInitializedReporter.this.pending.isEmpty()) {
					report("its database initializers have run");
				}
				return bean;
			}

		});
	}

	@Override
	public void onApplicationEvent(ContextRefreshedEvent event) {
		WorkerAgent.DatabaseTurn turn = this.agent.getDatabaseTurn();
		if (turn != null && turn.initialize()) {
			report("its application context is refreshed");
		}
	}

	private void report(String reason) {
		if (this.reported.compareAndSet(false, true)) {
			if (logger.isDebugEnabled()) {
				logger.debug("Database initialized: " + reason);
			}
			this.agent.reportDatabaseInitialized();
		}
	}

}
