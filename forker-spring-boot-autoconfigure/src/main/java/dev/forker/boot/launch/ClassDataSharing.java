package dev.forker.boot.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.FileSystemUtils;

import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.diagnostics.Durations;

/**
 * Class data sharing for workers: the application's executable jar is extracted once and
 * a training run (the application started up to its context refresh, with forker off)
 * records a dynamic class data sharing archive. Workers then start from the extracted jar
 * with that archive mapped read-only, which measured about twice as fast. The archive is
 * cached, keyed by the jar and the Java runtime, so only the first start pays for the
 * training run.
 *
 * @since 0.1.0
 */
final class ClassDataSharing {

	private static final Log logger = LogFactory.getLog(ClassDataSharing.class);

	private static final String ARCHIVE = "application.jsa";

	private static final String READY = "ready";

	private static final long TIMEOUT_MINUTES = 5;

	private final Path cacheRoot;

	ClassDataSharing(Path cacheRoot) {
		this.cacheRoot = cacheRoot;
	}

	/**
	 * Return the command line workers should use: from the extracted jar with the
	 * archive, or the original one if this launch cannot use an archive or preparing it
	 * failed.
	 * @param commandLine the application's command line
	 * @return the command line for workers
	 */
	JavaCommandLine prepare(JavaCommandLine commandLine) {
		List<String> target = commandLine.target();
		if (target.size() != 2 || !target.get(0).equals("-jar")) {
			logger.info("forker.worker.class-data-sharing needs the application started with java -jar: "
					+ "workers start without an archive");
			return commandLine;
		}
		try {
			Path jar = Path.of(target.get(1)).toAbsolutePath();
			String key = key(jar);
			Path directory = this.cacheRoot.resolve(key);
			Path extracted = directory.resolve("app").resolve(jar.getFileName());
			Path archive = directory.resolve(ARCHIVE);
			Files.createDirectories(this.cacheRoot);
			// The archive records the class path, so it is made where workers use it;
			// the lock keeps masters starting at the same time from making it twice
			try (FileChannel lockFile = FileChannel.open(this.cacheRoot.resolve(key + ".lock"),
					StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
				if (!Files.isRegularFile(directory.resolve(READY))) {
					FileSystemUtils.deleteRecursively(directory);
					create(commandLine, jar, directory, extracted, archive);
				}
				else {
					logger.info("Workers start with the class data sharing archive " + archive);
				}
			}
			List<String> options = new ArrayList<>();
			options.add("-XX:SharedArchiveFile=" + archive);
			options.addAll(commandLine.jvmOptions());
			return new JavaCommandLine(commandLine.executable(), options, List.of("-jar", extracted.toString()),
					commandLine.programArguments());
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Could not prepare a class data sharing archive for the workers (" + ex.getMessage()
					+ "): they start without one");
			return commandLine;
		}
	}

	private void create(JavaCommandLine commandLine, Path jar, Path directory, Path extracted, Path archive)
			throws IOException {
		long started = System.nanoTime();
		logger.info("Preparing the class data sharing archive for the workers in " + directory
				+ ": extracting the jar and running the application once up to its context refresh");
		Files.createDirectories(directory);
		run(List.of(commandLine.executable(), "-Djarmode=tools", "-jar", jar.toString(), "extract", "--destination",
				extracted.getParent().toString()), directory.resolve("extract.log"));
		List<String> training = new ArrayList<>();
		training.add(commandLine.executable());
		commandLine.jvmOptions()
			.stream()
			.filter((option) -> !option.startsWith("-Xshare") && !option.startsWith("-XX:SharedArchiveFile"))
			.forEach(training::add);
		training.add("-XX:ArchiveClassesAtExit=" + archive);
		training.add("-Dspring.context.exit=onRefresh");
		training.addAll(List.of("-jar", extracted.toString()));
		// Spring Boot joins repeated options into a list, so replace these rather than
		// add them
		commandLine.programArguments()
			.stream()
			.filter((argument) -> !argument.startsWith("--server.port=") && !argument.startsWith("--forker.enabled="))
			.forEach(training::add);
		training.addAll(List.of("--forker.enabled=false", "--server.port=0"));
		run(training, directory.resolve("training.log"));
		if (!Files.isRegularFile(archive)) {
			throw new IOException("the training run wrote no archive, see " + directory.resolve("training.log"));
		}
		Files.createFile(directory.resolve(READY));
		logger.info("Prepared the class data sharing archive in "
				+ Durations.format(Duration.ofNanos(System.nanoTime() - started)));
	}

	private static void run(List<String> command, Path log) throws IOException {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
		builder.environment().keySet().removeIf((name) -> name.startsWith("FORKER_"));
		builder.environment().remove(WorkerEnvironment.WORKER_ID);
		Process process = builder.start();
		try {
			if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
				process.destroyForcibly();
				throw new IOException(command.get(command.size() - 1) + " did not finish within " + TIMEOUT_MINUTES
						+ " minutes, see " + log);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			process.destroyForcibly();
			throw new IOException("interrupted", ex);
		}
		if (process.exitValue() != 0) {
			throw new IOException("'" + String.join(" ", command.subList(0, Math.min(command.size(), 4)))
					+ " ...' exited with " + process.exitValue() + ", see " + log);
		}
	}

	private static String key(Path jar) throws IOException {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			String identity = Stream
				.of(jar.toString(), Long.toString(Files.size(jar)),
						Long.toString(Files.getLastModifiedTime(jar).toMillis()), System.getProperty("java.home"),
						System.getProperty("java.vm.version"))
				.reduce("", (a, b) -> a + "\n" + b);
			return HexFormat.of().formatHex(digest.digest(identity.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
