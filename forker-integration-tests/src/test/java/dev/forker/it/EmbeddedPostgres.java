package dev.forker.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real PostgreSQL server for the tests: PostgreSQL's own binaries, which Maven Central
 * serves packaged in a jar, started in a directory of its own on a free loopback port.
 * PostgreSQL refuses to run as root, so when the tests run as root the server runs as
 * {@code nobody}. Stopped, and its directory deleted, by {@link #close()}.
 */
final class EmbeddedPostgres implements AutoCloseable {

	private static final String ARCHIVE = "postgres-linux-x86_64.txz";

	private static final long NOBODY = 65534;

	private final Path directory;

	private final Process server;

	private final int port;

	private EmbeddedPostgres(Path directory, Process server, int port) {
		this.directory = directory;
		this.server = server;
		this.port = port;
	}

	/**
	 * Extract PostgreSQL, create a cluster and start its server.
	 * @return the started server
	 * @throws Exception if it cannot be started
	 */
	static EmbeddedPostgres start() throws Exception {
		Path directory = Files.createTempDirectory("forker-it-postgres-");
		Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
		Process server = null;
		try {
			Path archive = directory.resolve(ARCHIVE);
			try (InputStream in = EmbeddedPostgres.class.getClassLoader().getResourceAsStream(ARCHIVE)) {
				assertThat(in).as(ARCHIVE + " on the test class path").isNotNull();
				Files.copy(in, archive, StandardCopyOption.REPLACE_EXISTING);
			}
			run(List.of("tar", "-xJf", archive.toString(), "-C", directory.toString()), false);
			Files.delete(archive);
			Path data = directory.resolve("data");
			Files.createDirectory(data);
			if (isRoot()) {
				run(List.of("chown", NOBODY + ":" + NOBODY, data.toString()), false);
			}
			run(List.of(directory.resolve("bin/initdb").toString(), "-A", "trust", "-U", "postgres", "-D",
					data.toString(), "-E", "UTF-8", "--no-locale"), true);
			int port = FreePorts.find();
			List<String> command = asServerUser(List.of(directory.resolve("bin/postgres").toString(), "-D",
					data.toString(), "-p", Integer.toString(port), "-k", data.toString(), "-c",
					"listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200"));
			server = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(directory.resolve("postgres.log").toFile())
				.start();
			EmbeddedPostgres postgres = new EmbeddedPostgres(directory, server, port);
			// Should the test JVM be stopped before close(), the server stops with it
			Process started = server;
			Runtime.getRuntime().addShutdownHook(new Thread(() -> {
				started.destroyForcibly();
				started.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
			}, "embedded-postgres-stop"));
			await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(postgres::accepts);
			return postgres;
		}
		catch (Exception | AssertionError ex) {
			if (server != null) {
				server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
			delete(directory);
			throw ex;
		}
	}

	int port() {
		return this.port;
	}

	/**
	 * Return the JDBC URL of a database of this server.
	 * @param database the database
	 * @return the URL
	 */
	String jdbcUrl(String database) {
		return "jdbc:postgresql://127.0.0.1:" + this.port + "/" + database;
	}

	/**
	 * Create an empty database.
	 * @param database its name
	 * @return its JDBC URL
	 */
	String createDatabase(String database) throws SQLException {
		try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
			statement.execute("CREATE DATABASE " + database);
		}
		return jdbcUrl(database);
	}

	Connection connect(String database) throws SQLException {
		return DriverManager.getConnection(jdbcUrl(database), "postgres", "");
	}

	private boolean accepts() {
		if (!this.server.isAlive()) {
			throw new IllegalStateException("PostgreSQL exited: " + log());
		}
		try (Connection connection = connect("postgres")) {
			return connection.isValid(1);
		}
		catch (SQLException ex) {
			return false;
		}
	}

	String log() {
		try {
			return Files.readString(this.directory.resolve("postgres.log"));
		}
		catch (IOException ex) {
			return ex.toString();
		}
	}

	@Override
	public void close() throws Exception {
		try {
			// SIGINT: a fast shutdown, which does not wait for clients to disconnect
			new ProcessBuilder("kill", "-INT", Long.toString(this.server.pid())).start().waitFor(10, TimeUnit.SECONDS);
			if (!this.server.waitFor(30, TimeUnit.SECONDS)) {
				this.server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
			// Its backends, should any be left
			this.server.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
		}
		finally {
			delete(this.directory);
		}
	}

	private static void run(List<String> command, boolean asServerUser) throws IOException, InterruptedException {
		Process process = new ProcessBuilder(asServerUser ? asServerUser(command) : command).redirectErrorStream(true)
			.start();
		String output = new String(process.getInputStream().readAllBytes());
		assertThat(process.waitFor(120, TimeUnit.SECONDS)).as(command + " finished").isTrue();
		assertThat(process.exitValue()).as(command + ": " + output).isZero();
	}

	private static List<String> asServerUser(List<String> command) {
		if (!isRoot()) {
			return command;
		}
		List<String> asNobody = new ArrayList<>(
				List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"));
		asNobody.addAll(command);
		return asNobody;
	}

	private static boolean isRoot() {
		return "root".equals(System.getProperty("user.name"));
	}

	private static void delete(Path directory) {
		try (Stream<Path> paths = Files.walk(directory)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
