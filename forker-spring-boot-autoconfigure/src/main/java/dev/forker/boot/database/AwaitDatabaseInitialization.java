package dev.forker.boot.database;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.InitializingBean;

import dev.forker.boot.worker.WorkerAgent;

/**
 * In a worker that does not initialize the database, waits until the worker that does has
 * done it. Every database initializer of the application context (Flyway, Liquibase, the
 * {@code spring.sql.init} scripts) and everything that depends on database initialization
 * (JPA, JDBC templates) comes after it: it is a database initializer detected before all
 * others.
 *
 * @since 0.1.0
 * @see ForkerDatabaseInitializerDetector
 */
public final class AwaitDatabaseInitialization implements InitializingBean {

	/**
	 * Name of its bean.
	 */
	public static final String BEAN_NAME = "forkerAwaitDatabaseInitialization";

	private static final Log logger = LogFactory.getLog(AwaitDatabaseInitialization.class);

	private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(10);

	private final WorkerAgent agent;

	/**
	 * Create a new instance.
	 * @param agent the worker's link to its master
	 */
	public AwaitDatabaseInitialization(WorkerAgent agent) {
		this.agent = agent;
	}

	@Override
	public void afterPropertiesSet() throws InterruptedException {
		WorkerAgent.DatabaseTurn turn = this.agent.getDatabaseTurn();
		if (turn == null || turn.initialize()) {
			return;
		}
		long started = System.nanoTime();
		// Bounded by the worker's startup timeout, after which the master stops it
		while (!this.agent.awaitDatabaseInitialized(PROGRESS_INTERVAL)) {
			logger.info("Waiting for the worker that initializes the database ("
					+ Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s)");
		}
	}

}
