package dev.forker.boot.session;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.util.ClassUtils;

import dev.forker.boot.control.StateDirectory;
import dev.forker.boot.worker.WorkerAgent;

/**
 * Says at start, once per deployment (in worker 1), where the HTTP sessions live: in the
 * files every worker shares, or in the application's own Spring Session store, which
 * forker leaves alone.
 *
 * @since 0.1.0
 */
public final class SessionStoreReport implements SmartInitializingSingleton {

	private static final Log logger = LogFactory.getLog(SessionStoreReport.class);

	private static final String[] REPOSITORY_TYPES = { "org.springframework.session.SessionRepository",
			"org.springframework.session.ReactiveSessionRepository" };

	private final WorkerAgent agent;

	private final ListableBeanFactory beanFactory;

	/**
	 * Create a new instance.
	 * @param agent the worker's link to its master
	 * @param beanFactory the application's bean factory
	 */
	public SessionStoreReport(WorkerAgent agent, ListableBeanFactory beanFactory) {
		this.agent = agent;
		this.beanFactory = beanFactory;
	}

	@Override
	public void afterSingletonsInstantiated() {
		if (this.agent.getEnvironment().workerId() != 1) {
			return;
		}
		ClassLoader classLoader = getClass().getClassLoader();
		for (String typeName : REPOSITORY_TYPES) {
			if (!ClassUtils.isPresent(typeName, classLoader)) {
				continue;
			}
			Class<?> type = ClassUtils.resolveClassName(typeName, classLoader);
			for (String name : this.beanFactory.getBeanNamesForType(type, true, false)) {
				Class<?> repository = this.beanFactory.getType(name);
				if (repository != null && (SharedSessionRepository.class.isAssignableFrom(repository)
						|| ReactiveSharedSessionRepository.class.isAssignableFrom(repository))) {
					logger.info("HTTP sessions are kept in files that every worker reads and writes directly ("
							+ StateDirectory.sessions(StateDirectory.of(this.agent.getEnvironment().controlSocket()))
							+ "): every worker "
							+ "sees every session, and a rolling restart or a crashed worker logs nobody out");
				}
				else {
					logger.info("HTTP sessions are kept in the application's own Spring Session store ("
							+ ((repository != null) ? repository.getName() : name) + "): forker leaves them alone");
				}
				return;
			}
		}
	}

}
