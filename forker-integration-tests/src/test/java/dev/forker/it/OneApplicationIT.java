package dev.forker.it;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * N workers behave as one application: an application on a real PostgreSQL (its own
 * parent, only the starter added) runs its scheduled jobs once, in one worker at a time,
 * through a worker crash and a rolling restart, and its database initialization once, so
 * that the database N workers leave is the one a single JVM leaves.
 */
class OneApplicationIT {

	private static final Duration PERIOD = Duration.ofMillis(200);

	private static final AtomicInteger databases = new AtomicInteger();

	private static EmbeddedPostgres postgres;

	@BeforeAll
	static void startPostgres() throws Exception {
		postgres = EmbeddedPostgres.start();
	}

	@AfterAll
	static void stopPostgres() throws Exception {
		if (postgres != null) {
			postgres.close();
		}
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "sqlinit", "flyway" })
	void workersStartedAtOnceLeaveTheDatabaseOneJvmLeaves(String profile) throws Exception {
		String single = newDatabase();
		try (ForkerProcess jvm = sample(profile, single).name("one-jvm-" + profile)
			.args("--forker.enabled=false")
			.start()) {
			jvm.awaitOutput("Started PostgresApplication", Duration.ofSeconds(120));
			assertThat(HttpProbe.get(jvm.port(), "/owners").body()).contains("George Franklin");
			jvm.signal("TERM");
			// A JVM stopped by SIGTERM exits with 128 + 15
			assertThat(jvm.awaitExit(Duration.ofSeconds(60))).isIn(0, 143);
			jvm.assertNoErrorsLogged();
		}
		String forked = newDatabase();
		// Two workers started at once race for the database as any number do
		try (ForkerProcess forker = sample(profile, forked).name("workers-at-once-" + profile)
			.args("--forker.workers=2", "--forker.worker.start-concurrency=2")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(120));
			forker.awaitDistinctWorkers(2, Duration.ofSeconds(60));
			assertThat(HttpProbe.get(forker.port(), "/owners").body()).contains("George Franklin");
			assertThat(count(forker.output(), "initializes the database")).as(forker.tail()).isEqualTo(1);
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
		}
		assertThat(fingerprint(forked)).isEqualTo(fingerprint(single)).isNotEmpty();
	}

	@Test
	void scheduledJobsRunOnceThroughACrashAndARollingRestart() throws Exception {
		String database = newDatabase();
		try (ForkerProcess forker = sample("sqlinit", database).name("scheduled-jobs")
			.args("--forker.workers=2", "--app.jobs.rate=" + PERIOD.toMillis() + "ms")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(120));
			forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
			assertThat(forker.output()).contains("Scheduled jobs: 1 run once per application");
			// Every worker refreshes its own copy; one of them reports
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				assertThat(pids(database, "refresh")).hasSize(2);
				assertThat(runs(database, "report")).hasSizeGreaterThanOrEqualTo(5);
			});
			assertThat(pids(database, "report")).hasSize(1);
			long holder = schedulerHolder(forker);
			assertThat(pids(database, "report")).containsExactly(holder);
			assertThat(owners(database)).isEqualTo(2);

			// A crash: another worker takes over, and its replacement runs no scripts
			ForkerProcess.signal(holder, "KILL");
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(pids(database, "report")).hasSize(2));
			await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
				JsonNode status = forker.status();
				assertThat(status.at("/master/readyWorkers").asInt()).isEqualTo(2);
				assertThat(ForkerProcess.readyPids(status)).doesNotContain(holder).hasSize(2);
			});
			assertThat(owners(database)).as("data.sql runs again after a crash").isEqualTo(2);

			// A rolling restart: a new version, whose first worker initializes the
			// database again, as one JVM started anew does
			Set<Long> before = ForkerProcess.readyPids(forker.status());
			forker.signal("HUP");
			await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
				JsonNode status = forker.status();
				assertThat(status.at("/master/rollingRestart").isNull()).isTrue();
				assertThat(status.at("/master/readyWorkers").asInt()).isEqualTo(2);
				assertThat(ForkerProcess.readyPids(status)).hasSize(2).doesNotContainAnyElementsOf(before);
			});
			assertThat(owners(database)).as("data.sql runs once per deployment").isEqualTo(4);
			long newHolder = schedulerHolder(forker);
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThat(pids(database, "report")).contains(newHolder));
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
		}
		List<Run> reports = runs(database, "report");
		// From the first run to the last: one per period, had one JVM run them
		Duration elapsed = Duration.between(reports.get(0).startedAt(), reports.get(reports.size() - 1).finishedAt());
		for (int i = 1; i < reports.size(); i++) {
			Run previous = reports.get(i - 1);
			Run next = reports.get(i);
			assertThat(next.startedAt())
				.as("runs of a once-per-application job never overlap: " + previous + ", " + next)
				.isAfterOrEqualTo(previous.finishedAt());
			Duration gap = Duration.between(previous.finishedAt(), next.startedAt());
			// A crash is seen at once (the process exits); a hand-over takes one message
			// each way. Both leave at most one period and some scheduling noise.
			assertThat(gap).as("gap between " + previous + " and " + next).isLessThan(PERIOD.plusSeconds(2));
		}
		Duration longestGap = Duration.ZERO;
		for (int i = 1; i < reports.size(); i++) {
			Duration gap = Duration.between(reports.get(i - 1).finishedAt(), reports.get(i).startedAt());
			longestGap = (gap.compareTo(longestGap) > 0) ? gap : longestGap;
		}
		System.out.println("Once-per-application job every " + PERIOD.toMillis() + " ms: " + reports.size()
				+ " runs in " + elapsed.toMillis() + " ms on 2 workers through a kill -9 and a rolling restart, "
				+ "no overlap, longest gap " + longestGap.toMillis() + " ms");
		long expected = elapsed.toMillis() / PERIOD.toMillis();
		assertThat((long) reports.size()).as("runs in " + elapsed + " at one per " + PERIOD)
			.isBetween(expected / 2, expected + expected / 10 + 5);
		assertThat(roleGrants(database))
			.as("the scheduler role went to a worker at the start, after the crash, " + "and after the rolling restart")
			.isGreaterThanOrEqualTo(3);
	}

	private static ForkerProcess.Builder sample(String profile, String database) {
		return ForkerProcess.jar(ForkerProcess.sampleJar("sample-postgres"))
			.args("--spring.profiles.active=" + profile, "--spring.datasource.url=" + postgres.jdbcUrl(database),
					"--spring.task.scheduling.shutdown.await-termination=true",
					"--spring.task.scheduling.shutdown.await-termination-period=10s");
	}

	private static String newDatabase() throws SQLException {
		String name = "forker_" + databases.incrementAndGet();
		postgres.createDatabase(name);
		return name;
	}

	private static long schedulerHolder(ForkerProcess forker) {
		List<Long> holders = new ArrayList<>();
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
			holders.clear();
			for (JsonNode worker : forker.status().get("workers")) {
				for (JsonNode role : worker.get("roles")) {
					if ("scheduler".equals(role.asString())) {
						holders.add(worker.get("pid").asLong());
					}
				}
			}
			assertThat(holders).as("workers that hold the scheduler role").hasSize(1);
		});
		return holders.get(0);
	}

	private static int count(String text, String part) {
		int count = 0;
		for (int index = text.indexOf(part); index >= 0; index = text.indexOf(part, index + 1)) {
			count++;
		}
		return count;
	}

	private static List<Run> runs(String database, String job) throws SQLException {
		List<Run> runs = new ArrayList<>();
		try (Connection connection = postgres.connect(database);
				Statement statement = connection.createStatement();
				ResultSet rows = statement
					.executeQuery("SELECT pid, started_at, finished_at FROM job_runs WHERE job = '" + job
							+ "' ORDER BY started_at")) {
			while (rows.next()) {
				runs.add(new Run(rows.getLong(1), rows.getTimestamp(2).toInstant(), rows.getTimestamp(3).toInstant()));
			}
		}
		return runs;
	}

	private static Set<Long> pids(String database, String job) throws SQLException {
		Set<Long> pids = new HashSet<>();
		runs(database, job).forEach((run) -> pids.add(run.pid()));
		return pids;
	}

	private static int owners(String database) throws SQLException {
		return queryInt(database, "SELECT count(*) FROM owners");
	}

	private static int roleGrants(String database) throws SQLException {
		return queryInt(database, "SELECT count(*) FROM role_events WHERE granted AND role = 'SCHEDULER'");
	}

	private static int queryInt(String database, String sql) throws SQLException {
		try (Connection connection = postgres.connect(database);
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getInt(1);
		}
	}

	/**
	 * What database initialization leaves: tables, indexes, rows of the tables it fills,
	 * and Flyway's history without its times.
	 */
	private static List<String> fingerprint(String database) throws SQLException {
		List<String> fingerprint = new ArrayList<>();
		try (Connection connection = postgres.connect(database); Statement statement = connection.createStatement()) {
			List<String> tables = new ArrayList<>();
			try (ResultSet rows = statement
				.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")) {
				while (rows.next()) {
					tables.add(rows.getString(1));
				}
			}
			for (String table : tables) {
				fingerprint.add("table " + table);
				if (!List.of("job_runs", "role_events", "flyway_schema_history").contains(table)) {
					try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + table)) {
						rows.next();
						fingerprint.add("rows of " + table + ": " + rows.getInt(1));
					}
				}
			}
			try (ResultSet rows = statement.executeQuery(
					"SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY tablename, indexname")) {
				while (rows.next()) {
					fingerprint.add(rows.getString(1));
				}
			}
			if (tables.contains("flyway_schema_history")) {
				try (ResultSet rows = statement.executeQuery("SELECT version, description, checksum, success "
						+ "FROM flyway_schema_history ORDER BY installed_rank")) {
					while (rows.next()) {
						fingerprint.add("migration " + rows.getString(1) + " " + rows.getString(2) + " "
								+ rows.getInt(3) + " " + rows.getBoolean(4));
					}
				}
			}
		}
		return fingerprint;
	}

	record Run(long pid, Instant startedAt, Instant finishedAt) {
	}

}
