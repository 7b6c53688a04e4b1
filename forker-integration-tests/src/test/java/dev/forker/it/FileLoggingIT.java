package dev.forker.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Log files written by two workers that roll many times under concurrent requests: no
 * line is lost or written twice, no temporary file is left, archives decompress, and
 * every line says which process wrote it. The master writes every log file; workers hand
 * it what they would write.
 */
class FileLoggingIT {

	private static final int REQUESTS = 300;

	private static final Pattern REQUEST_ID = Pattern.compile("/worker\\?id=(\\d+)\"");

	@Test
	void rollingLogFileConfiguredWithSpringBootPropertiesLosesNoLine(@TempDir Path directory) throws Exception {
		Path accessLogs = Files.createDirectories(directory.resolve("access"));
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("file-logging")
			.args("--forker.workers=2", "--logging.file.name=" + directory.resolve("app.log"),
					"--logging.logback.rollingpolicy.max-file-size=20KB",
					"--logging.level.org.springframework.web=DEBUG", "--server.tomcat.accesslog.enabled=true",
					"--server.tomcat.accesslog.directory=" + accessLogs,
					"--server.tomcat.accesslog.pattern=%{yyyy-MM-dd'T'HH:mm:ss.SSS}t \"%r\" %s %b %D")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			sendRequests(forker);
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
			List<String> lines = readLogFiles(directory, "app.log");
			assertThat(countIds(lines)).as("each request's line, across all log files")
				.hasSize(REQUESTS)
				.allSatisfy((id, count) -> assertThat(count).as("lines of request %s", id).isEqualTo(1));
			assertThat(lines).as("every line says which process wrote it")
				.allMatch((line) -> line.contains("[master]") || line.matches(".*\\[worker-\\d+\\].*"));
			assertThat(lines).anyMatch((line) -> line.contains("[master]") && line.contains("Started worker 1"));
			assertThat(lines).anyMatch((line) -> line.contains("[worker-1]"))
				.anyMatch((line) -> line.contains("[worker-2]"));
			assertRolledAsConfigured(directory, "app.log", 20 * 1024);
			List<String> accessLines = readLogFiles(accessLogs, "");
			assertThat(accessLines).as("every access log entry whole")
				.allMatch((line) -> line.matches("\\S+ \"GET /worker\\?id=\\d+ HTTP/1.1\" 200 \\d+ \\d+"));
			assertThat(countIds(accessLines)).hasSize(REQUESTS).allSatisfy((id, count) -> assertThat(count).isOne());
		}
	}

	@Test
	void fileAppenderOfACustomLogbackConfigurationLosesNoLine(@TempDir Path directory) throws Exception {
		Path configuration = directory.resolve("logback-custom.xml");
		Files.writeString(configuration, """
				<configuration>
					<include resource="org/springframework/boot/logging/logback/defaults.xml"/>
					<include resource="org/springframework/boot/logging/logback/console-appender.xml"/>
					<appender name="REQUESTS" class="ch.qos.logback.core.rolling.RollingFileAppender">
						<file>%1$s/requests.log</file>
						<encoder>
							<pattern>%%d ${LOG_LEVEL_PATTERN} %%logger{20} : %%m%%n</pattern>
						</encoder>
						<rollingPolicy class="ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy">
							<fileNamePattern>%1$s/requests.%%d{yyyy-MM-dd}.%%i.log.gz</fileNamePattern>
							<maxFileSize>8KB</maxFileSize>
						</rollingPolicy>
					</appender>
					<logger name="org.springframework.web.servlet.DispatcherServlet" level="DEBUG" additivity="false">
						<appender-ref ref="REQUESTS"/>
					</logger>
					<root level="INFO">
						<appender-ref ref="CONSOLE"/>
					</root>
				</configuration>
				""".formatted(directory));
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("custom-file-logging")
			.args("--forker.workers=2", "--logging.config=file:" + configuration)
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			sendRequests(forker);
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
			assertThat(forker.output()).doesNotContain("is not one the master writes");
			List<String> lines = readLogFiles(directory, "requests.");
			assertThat(countIds(lines)).as("each request's line, across all files of " + files(directory, ""))
				.hasSize(REQUESTS)
				.allSatisfy((id, count) -> assertThat(count).isOne());
			assertRolledAsConfigured(directory, "requests.log", 8 * 1024);
		}
	}

	private static void sendRequests(ForkerProcess forker) throws Exception {
		AtomicInteger next = new AtomicInteger();
		ExecutorService clients = Executors.newFixedThreadPool(4);
		try {
			List<Future<?>> done = new ArrayList<>();
			for (int i = 0; i < 4; i++) {
				done.add(clients.submit(() -> {
					int id;
					while ((id = next.getAndIncrement()) < REQUESTS) {
						HttpProbe.Response response = HttpProbe.get(forker.port(), "/worker?id=" + id);
						assertThat(response.status()).isEqualTo(200);
					}
					return null;
				}));
			}
			for (Future<?> client : done) {
				client.get();
			}
		}
		finally {
			clients.shutdownNow();
		}
	}

	private static Map<String, Integer> countIds(List<String> lines) {
		Map<String, Integer> counts = new TreeMap<>();
		for (String line : lines) {
			// The access log has "GET /worker?id=1 HTTP/1.1", the application log
			// "/worker?id=1"
			Matcher matcher = REQUEST_ID.matcher(line.replace(" HTTP/1.1\"", "\""));
			while (matcher.find()) {
				counts.merge(matcher.group(1), 1, Integer::sum);
			}
		}
		return counts;
	}

	/**
	 * Read the lines of every file in a directory whose name starts with a prefix,
	 * decompressing archives.
	 */
	private static List<String> readLogFiles(Path directory, String prefix) throws IOException {
		List<String> lines = new ArrayList<>();
		for (Path file : files(directory, prefix)) {
			assertThat(file.getFileName().toString()).as("temporary file left behind").doesNotEndWith(".tmp");
			lines.addAll(new String(read(file), StandardCharsets.UTF_8).lines().toList());
		}
		return lines;
	}

	private static void assertRolledAsConfigured(Path directory, String name, int maxFileSize) throws IOException {
		List<Path> archives = files(directory, name.replace(".log", ".")).stream()
			.filter((file) -> file.toString().endsWith(".gz"))
			.toList();
		assertThat(archives).as("archives of " + name).hasSizeGreaterThan(2);
		for (Path archive : archives) {
			assertThat(read(archive).length).as("size of " + archive + " before compression")
				.isBetween(maxFileSize / 2, maxFileSize + 16 * 1024);
		}
	}

	private static List<Path> files(Path directory, String prefix) throws IOException {
		try (Stream<Path> files = Files.list(directory)) {
			return files.filter(Files::isRegularFile)
				.filter((file) -> file.getFileName().toString().startsWith(prefix))
				.sorted()
				.toList();
		}
	}

	private static byte[] read(Path file) throws IOException {
		if (!file.toString().endsWith(".gz")) {
			return Files.readAllBytes(file);
		}
		try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
			return in.readAllBytes();
		}
	}

}
