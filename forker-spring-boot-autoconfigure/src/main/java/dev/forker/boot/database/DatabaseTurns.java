package dev.forker.boot.database;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import dev.forker.boot.worker.WorkerAgent;

/**
 * Asks the master, before a worker's application context is created, whether this worker
 * initializes the database. A worker that does not runs no {@code spring.sql.init}
 * scripts and no Hibernate schema generation (their effect is there already, or is being
 * made by the worker that does), and waits for that worker before Flyway, Liquibase or
 * anything that uses the database starts.
 *
 * @since 0.1.0
 */
public final class DatabaseTurns {

	/**
	 * Name of the property source that turns database initialization off in a worker that
	 * follows the one that initializes the database.
	 */
	public static final String PROPERTY_SOURCE_NAME = "forkerDatabaseInitialization";

	private static final Log logger = LogFactory.getLog(DatabaseTurns.class);

	private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

	private static final Set<String> SCHEMA_CHANGING_ACTIONS = Set.of("create", "create-drop", "create-only", "drop",
			"update", "truncate");

	private static final List<String> SCHEMA_ACTION_PROPERTIES = List.of("spring.jpa.hibernate.ddl-auto",
			"spring.jpa.properties.hibernate.hbm2ddl.auto",
			"spring.jpa.properties.jakarta.persistence.schema-generation.database.action");

	private DatabaseTurns() {
	}

	/**
	 * Ask the master for this worker's turn, if the application has a database that every
	 * worker shares, and turn database initialization off when it is not this worker's.
	 * @param environment the worker's environment, prepared
	 * @param agent the worker's link to its master
	 * @param classLoader the application's class loader
	 */
	public static void prepare(ConfigurableEnvironment environment, WorkerAgent agent, ClassLoader classLoader) {
		if (!InMemoryDatabase.isShared(environment, classLoader)) {
			return;
		}
		WorkerAgent.DatabaseTurn turn = agent.requestDatabaseTurn(REQUEST_TIMEOUT);
		if (turn.initialize()) {
			return;
		}
		Map<String, Object> properties = new HashMap<>();
		properties.put("spring.sql.init.mode", "never");
		for (String property : SCHEMA_ACTION_PROPERTIES) {
			if (changesSchema(environment.getProperty(property))) {
				properties.put(property, "none");
			}
		}
		if (environment.getProperty("spring.jpa.generate-ddl", Boolean.class, false)) {
			properties.put("spring.jpa.generate-ddl", "false");
		}
		environment.getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE_NAME, properties));
		if (logger.isDebugEnabled()) {
			logger.debug("Another worker initializes the database: " + properties);
		}
	}

	/**
	 * Return whether an application's Hibernate settings change the schema at start.
	 * @param environment the environment
	 * @return whether they do
	 */
	static boolean changesSchema(ConfigurableEnvironment environment) {
		return SCHEMA_ACTION_PROPERTIES.stream()
			.anyMatch((property) -> changesSchema(environment.getProperty(property)))
				|| environment.getProperty("spring.jpa.generate-ddl", Boolean.class, false);
	}

	private static boolean changesSchema(String action) {
		return action != null && SCHEMA_CHANGING_ACTIONS.contains(action.trim().toLowerCase(Locale.ROOT));
	}

}
