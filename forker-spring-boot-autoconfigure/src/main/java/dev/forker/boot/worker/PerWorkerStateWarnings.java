package dev.forker.boot.worker;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Warns, once per deployment (in worker 1), about components of the application that keep
 * in one worker what one JVM would keep for the whole application, and that forker cannot
 * share: Spring's simple STOMP broker, which relays a message only to the WebSocket
 * sessions of its own worker, and Quartz with its in-memory job store, which runs every
 * job in every worker.
 *
 * @since 0.1.0
 */
public final class PerWorkerStateWarnings implements SmartInitializingSingleton {

	private static final Log logger = LogFactory.getLog(PerWorkerStateWarnings.class);

	private static final String SIMPLE_BROKER = "org.springframework.messaging.simp.broker.SimpleBrokerMessageHandler";

	private static final String QUARTZ_SCHEDULER = "org.quartz.Scheduler";

	private final WorkerAgent agent;

	private final ListableBeanFactory beanFactory;

	private final Environment environment;

	/**
	 * Create a new instance.
	 * @param agent the worker's link to its master
	 * @param beanFactory the application's bean factory
	 * @param environment the application's environment
	 */
	public PerWorkerStateWarnings(WorkerAgent agent, ListableBeanFactory beanFactory, Environment environment) {
		this.agent = agent;
		this.beanFactory = beanFactory;
		this.environment = environment;
	}

	@Override
	public void afterSingletonsInstantiated() {
		if (this.agent.getEnvironment().workerId() != 1) {
			return;
		}
		for (String warning : warnings()) {
			logger.warn(warning);
		}
	}

	List<String> warnings() {
		List<String> warnings = new ArrayList<>();
		if (hasBeanOfType(SIMPLE_BROKER)) {
			warnings.add("The application uses Spring's simple STOMP broker, which each worker runs on its own: a "
					+ "message sent through one worker reaches only the WebSocket sessions of that worker. Use a "
					+ "broker relay to a message broker (enableStompBrokerRelay) that every worker connects to.");
		}
		if (hasBeanOfType(QUARTZ_SCHEDULER)
				&& !"jdbc".equalsIgnoreCase(this.environment.getProperty("spring.quartz.job-store-type", "memory"))) {
			warnings.add("The application uses Quartz with its in-memory job store, which each worker runs on its "
					+ "own: every job runs in every worker. Use the JDBC job store in clustered mode "
					+ "(spring.quartz.job-store-type=jdbc, "
					+ "spring.quartz.properties.org.quartz.jobStore.isClustered=true), or start the scheduler "
					+ "when the worker gains the scheduler role (WorkerRoleGrantedEvent).");
		}
		return warnings;
	}

	private boolean hasBeanOfType(String className) {
		ClassLoader classLoader = getClass().getClassLoader();
		if (!ClassUtils.isPresent(className, classLoader)) {
			return false;
		}
		Class<?> type = ClassUtils.resolveClassName(className, classLoader);
		return this.beanFactory.getBeanNamesForType(type, true, false).length > 0;
	}

}
