package dev.forker.boot.database;

import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Tells a database every worker shares from one that each worker has a copy of: an
 * in-memory database ({@code jdbc:h2:mem:}, HSQLDB, Derby, SQLite), or the embedded
 * database Spring Boot creates when no URL is configured and an embedded database is on
 * the class path.
 *
 * @since 0.1.0
 */
public final class InMemoryDatabase {

	private static final List<String> IN_MEMORY_PREFIXES = List.of("jdbc:h2:mem:", "jdbc:hsqldb:mem:",
			"jdbc:derby:memory:", "jdbc:sqlite::memory:", "jdbc:sqlite:file::memory:", "r2dbc:h2:mem:");

	private static final List<String> EMBEDDED_DRIVERS = List.of("org.h2.Driver", "org.hsqldb.jdbc.JDBCDriver",
			"org.apache.derby.jdbc.EmbeddedDriver", "org.apache.derby.iapi.jdbc.AutoloadedDriver");

	private static final String SQL_INIT = "org.springframework.boot.sql.init.dependency.DatabaseInitializerDetector";

	private InMemoryDatabase() {
	}

	/**
	 * Return the in-memory database of each worker, if the application uses one.
	 * @param environment the application's environment
	 * @param classLoader the application's class loader
	 * @return what the database is, such as {@code spring.datasource.url=jdbc:h2:mem:db},
	 * or {@code null} if the application uses no in-memory database
	 */
	public static @Nullable String describe(Environment environment, @Nullable ClassLoader classLoader) {
		if (!ClassUtils.isPresent(SQL_INIT, classLoader)) {
			return null;
		}
		for (String property : List.of("spring.datasource.url", "spring.r2dbc.url")) {
			String url = environment.getProperty(property);
			if (url != null) {
				return isInMemory(url) ? property + "=" + url : null;
			}
		}
		if (ClassUtils.isPresent("javax.sql.DataSource", classLoader) && ClassUtils
			.isPresent("org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration", classLoader)) {
			for (String driver : EMBEDDED_DRIVERS) {
				if (ClassUtils.isPresent(driver, classLoader)) {
					return "the embedded database Spring Boot creates when spring.datasource.url is not set (" + driver
							+ " is on the class path)";
				}
			}
		}
		return null;
	}

	/**
	 * Return whether the application has a database that every worker shares, and so
	 * needs its initialization done once: Spring Boot's SQL initialization is on the
	 * class path and no in-memory database is used.
	 * @param environment the application's environment
	 * @param classLoader the application's class loader
	 * @return whether it has
	 */
	static boolean isShared(Environment environment, @Nullable ClassLoader classLoader) {
		return ClassUtils.isPresent(SQL_INIT, classLoader) && describe(environment, classLoader) == null;
	}

	static boolean isInMemory(String url) {
		String lowerCase = url.toLowerCase(Locale.ROOT);
		return IN_MEMORY_PREFIXES.stream().anyMatch(lowerCase::startsWith);
	}

}
