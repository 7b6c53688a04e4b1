package dev.forker.boot.startup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import jnr.posix.POSIXFactory;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.FileSystemUtils;

import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.diagnostics.Durations;

/**
 * Makes workers start faster from a cache prepared once: the application's executable jar
 * is extracted, and a training run (the application started up to its context refresh,
 * with forker off) records what the JVM loads. On Java 25 and later that is the JDK's AOT
 * cache (JEP 483, 514, 515: classes loaded and linked, method profiles); on Java 17 to 24
 * a dynamic class data sharing archive. Workers then start from the extracted jar with
 * the cache mapped read-only.
 * <p>
 * The cache lives in a directory that only this user can enter: created with mode
 * {@code 0700}, checked for its owner and mode (and that it is no symbolic link) before
 * every use, and refused with a warning otherwise, so that no one else can plant a jar or
 * an archive that workers would run. Its key covers the jar's content and the JVM. The
 * lock that keeps two masters from preparing it at once has a timeout. Each start deletes
 * the caches of earlier contents of the same jar path on the same JVM.
 *
 * @since 0.1.0
 */
public final class StartupCache {

	private static final Log logger = LogFactory.getLog(StartupCache.class);

	private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

	private static final String READY = "ready";

	private static final String ORIGIN = "origin";

	private static final Pattern KEY = Pattern.compile("[0-9a-f]{32}");

	private static final Duration TRAINING_TIMEOUT = Duration.ofMinutes(5);

	private final Path root;

	private final int javaVersion;

	private final Set<String> launchVariables;

	/**
	 * Create a new startup cache.
	 * @param root the directory that holds the caches
	 * @param javaVersion the feature version of the JVM the workers run
	 * @param launchVariables environment variables of forker's own launch, which the
	 * training run does not inherit
	 */
	public StartupCache(Path root, int javaVersion, Set<String> launchVariables) {
		this.root = root;
		this.javaVersion = javaVersion;
		this.launchVariables = Set.copyOf(launchVariables);
	}

	/**
	 * Properties of the training run: no forker, no fixed port, and nothing that acts on
	 * anything outside the process: no database initialization, migration or schema
	 * generation, no Quartz scheduler. Scheduled jobs and runners never run, as the run
	 * ends when the application context is refreshed.
	 */
	private static final Map<String, String> TRAINING_PROPERTIES = trainingProperties();

	/**
	 * Return the default cache directory of this user: {@code $XDG_CACHE_HOME/forker} or
	 * {@code ~/.cache/forker}.
	 * @return the directory
	 */
	public static Path defaultDirectory() {
		String xdg = System.getenv("XDG_CACHE_HOME");
		Path base = (xdg != null && !xdg.isBlank()) ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
		return base.resolve("forker");
	}

	/**
	 * Prepare the cache for an application, or find it prepared.
	 * @param commandLine the application's command line
	 * @param trainingOptions JVM options the training run shares with the workers, such
	 * as their sizing and native access
	 * @param trainingArguments program arguments for the training run, such as a free
	 * management port
	 * @return how workers start with the cache, or {@code null} when they start without
	 * one (this launch cannot use one, or it could not be prepared safely)
	 */
	public @Nullable CachedLaunch prepare(JavaCommandLine commandLine, List<String> trainingOptions,
			List<String> trainingArguments) {
		List<String> target = commandLine.target();
		if (target.size() != 2 || !target.get(0).equals("-jar")) {
			logger.info("forker.worker.class-data-sharing needs the application started with java -jar: "
					+ "workers start without a cache");
			return null;
		}
		try {
			Path jar = Path.of(target.get(1)).toAbsolutePath();
			JarFingerprint fingerprint = JarFingerprint.of(jar);
			if (!privateDirectory(this.root)) {
				return null;
			}
			String key = key(jar);
			Path directory = this.root.resolve(key);
			Path extracted = directory.resolve("app").resolve(jar.getFileName());
			Path cache = directory.resolve(aot() ? "application.aot" : "application.jsa");
			try (FileChannel lockFile = FileChannel.open(this.root.resolve(key + ".lock"), StandardOpenOption.CREATE,
					StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS); FileLock lock = lock(lockFile)) {
				if (lock == null) {
					logger.warn("Another forker master has been preparing the startup cache in " + directory
							+ " for over " + Durations.format(TRAINING_TIMEOUT) + ": workers start without it");
					return null;
				}
				if (!Files.isRegularFile(directory.resolve(READY), LinkOption.NOFOLLOW_LINKS)) {
					FileSystemUtils.deleteRecursively(directory);
					create(commandLine, jar, directory, extracted, cache, trainingOptions, trainingArguments);
				}
				else {
					logger.info("Workers start with the " + describe() + " " + cache);
				}
			}
			prune(this.root, key, origin(jar));
			List<String> options = new ArrayList<>();
			options.add((aot() ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + cache);
			options.addAll(commandLine.jvmOptions());
			JavaCommandLine cached = new JavaCommandLine(commandLine.executable(), options,
					List.of("-jar", extracted.toString()), commandLine.programArguments());
			return new CachedLaunch(cached, jar.toString(), fingerprint);
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Could not prepare a startup cache for the workers (" + ex.getMessage()
					+ "): they start without one");
			return null;
		}
	}

	private boolean aot() {
		return this.javaVersion >= 25;
	}

	private String describe() {
		return aot() ? "AOT cache" : "class data sharing archive";
	}

	private static @Nullable FileLock lock(FileChannel channel) throws IOException {
		long deadline = System.nanoTime() + TRAINING_TIMEOUT.toNanos();
		while (true) {
			FileLock lock = channel.tryLock();
			if (lock != null || System.nanoTime() - deadline >= 0) {
				return lock;
			}
			try {
				Thread.sleep(200);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return null;
			}
		}
	}

	/**
	 * Create the directory with mode {@code 0700} if it does not exist, and check that it
	 * is private to this user.
	 * @param directory the directory
	 * @return whether it can be used
	 */
	static boolean privateDirectory(Path directory) throws IOException {
		if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
			Path parent = directory.getParent();
			if (parent != null) {
				Files.createDirectories(parent);
			}
			try {
				Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(PRIVATE));
			}
			catch (java.nio.file.FileAlreadyExistsException ex) {
				// created by someone else meanwhile: checked below
			}
		}
		String problem = problem(directory);
		if (problem != null) {
			logger.warn("forker.worker.class-data-sharing: the cache directory " + directory + " " + problem
					+ ", so anyone with access could plant what workers run: workers start without a cache. Use a "
					+ "directory of your own with mode 700 (forker.worker.class-data-sharing.directory).");
			return false;
		}
		return true;
	}

	private static @Nullable String problem(Path directory) throws IOException {
		if (Files.isSymbolicLink(directory)) {
			return "is a symbolic link";
		}
		if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
			return "is not a directory";
		}
		Object owner = Files.getAttribute(directory, "unix:uid", LinkOption.NOFOLLOW_LINKS);
		int uid = POSIXFactory.getNativePOSIX().getuid();
		if (!(owner instanceof Integer ownerUid) || ownerUid != uid) {
			return "belongs to another user (uid " + owner + ", this is uid " + uid + ")";
		}
		Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS);
		if (!PRIVATE.containsAll(permissions)) {
			return "can be entered by others (mode " + PosixFilePermissions.toString(permissions) + ")";
		}
		return null;
	}

	private void create(JavaCommandLine commandLine, Path jar, Path directory, Path extracted, Path cache,
			List<String> trainingOptions, List<String> trainingArguments) throws IOException {
		long started = System.nanoTime();
		logger.info("Preparing the " + describe() + " for the workers in " + directory
				+ ": extracting the jar and running the application once up to its context refresh");
		Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(PRIVATE));
		run(List.of(commandLine.executable(), "-Djarmode=tools", "-jar", jar.toString(), "extract", "--destination",
				extracted.getParent().toString()), directory.resolve("extract.log"));
		List<String> training = new ArrayList<>();
		training.add(commandLine.executable());
		training.addAll(trainingOptions);
		commandLine.jvmOptions()
			.stream()
			.filter((option) -> !option.startsWith("-Xshare") && !option.startsWith("-XX:SharedArchiveFile")
					&& !option.startsWith("-XX:AOT"))
			.forEach(training::add);
		training.add(aot() ? "-XX:AOTCacheOutput=" + cache : "-XX:ArchiveClassesAtExit=" + cache);
		training.add("-Dspring.context.exit=onRefresh");
		training.addAll(List.of("-jar", extracted.toString()));
		// Spring Boot joins repeated options into a list, so replace these rather than
		// add them
		commandLine.programArguments()
			.stream()
			.filter((argument) -> !argument.startsWith("--management.server.port=") && TRAINING_PROPERTIES.keySet()
				.stream()
				.noneMatch((property) -> argument.startsWith("--" + property + "=")))
			.forEach(training::add);
		TRAINING_PROPERTIES.forEach((property, value) -> training.add("--" + property + "=" + value));
		training.addAll(trainingArguments);
		run(training, directory.resolve("training.log"));
		if (!Files.isRegularFile(cache, LinkOption.NOFOLLOW_LINKS)) {
			throw new IOException("the training run wrote no cache, see " + directory.resolve("training.log"));
		}
		Files.writeString(directory.resolve(ORIGIN), origin(jar), StandardOpenOption.CREATE_NEW);
		Files.createFile(directory.resolve(READY));
		logger.info("Prepared the " + describe() + " in "
				+ Durations.format(Duration.ofNanos(System.nanoTime() - started)));
	}

	private void run(List<String> command, Path log) throws IOException {
		// A log of our own, never one a link points at
		Files.createFile(log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
		builder.environment().keySet().removeAll(WorkerEnvironment.VARIABLES);
		builder.environment().keySet().removeAll(this.launchVariables);
		Process process = builder.start();
		try {
			if (!process.waitFor(TRAINING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
				process.destroyForcibly();
				throw new IOException("'" + command.get(command.size() - 1) + "' did not finish within "
						+ Durations.format(TRAINING_TIMEOUT) + ", see " + log);
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

	/**
	 * Delete the caches made for other contents of the same jar path by the same Java
	 * runtime: the versions of the application deployed before this one (a hundred
	 * megabytes or more each). A master still running an older version no longer uses its
	 * cache, since its jar changed (see {@link CachedLaunch#isCurrent()}); a cache being
	 * prepared is locked and left alone, and so is every cache without an origin.
	 * @param root the cache directory
	 * @param key the key of the cache in use
	 * @param origin the origin of the cache in use
	 */
	static void prune(Path root, String key, String origin) {
		try (DirectoryStream<Path> entries = Files.newDirectoryStream(root,
				(entry) -> KEY.matcher(entry.getFileName().toString()).matches())) {
			for (Path directory : entries) {
				String name = directory.getFileName().toString();
				Path originFile = directory.resolve(ORIGIN);
				if (name.equals(key) || !Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)
						|| !Files.isRegularFile(originFile, LinkOption.NOFOLLOW_LINKS)
						|| !Files.readString(originFile).equals(origin)) {
					continue;
				}
				Path lockPath = root.resolve(name + ".lock");
				try (FileChannel lockFile = FileChannel.open(lockPath, StandardOpenOption.CREATE,
						StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS); FileLock lock = lockFile.tryLock()) {
					if (lock != null) {
						FileSystemUtils.deleteRecursively(directory);
						Files.deleteIfExists(lockPath);
						logger.info("Deleted the startup cache " + directory + " of an earlier version of the jar");
					}
				}
				catch (OverlappingFileLockException ex) {
					// This JVM prepares it
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			logger.debug("Could not delete the startup caches of earlier versions in " + root, ex);
		}
	}

	/**
	 * Return what a cache is made from besides the jar's content: the jar's path and the
	 * Java runtime.
	 */
	private String origin(Path jar) {
		return String.join("\n", originParts(jar));
	}

	private List<String> originParts(Path jar) {
		return List.of(jar.toString(), System.getProperty("java.home"), System.getProperty("java.vm.version"),
				aot() ? "aot" : "cds");
	}

	private String key(Path jar) throws IOException {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			try (InputStream in = Files.newInputStream(jar)) {
				byte[] buffer = new byte[64 * 1024];
				int read;
				while ((read = in.read(buffer)) > 0) {
					digest.update(buffer, 0, read);
				}
			}
			for (String part : originParts(jar)) {
				digest.update(part.getBytes(StandardCharsets.UTF_8));
				digest.update((byte) 0);
			}
			return HexFormat.of().formatHex(digest.digest()).substring(0, 32);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Map<String, String> trainingProperties() {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("forker.enabled", "false");
		properties.put("server.port", "0");
		properties.put("spring.sql.init.mode", "never");
		properties.put("spring.flyway.enabled", "false");
		properties.put("spring.liquibase.enabled", "false");
		properties.put("spring.jpa.hibernate.ddl-auto", "none");
		properties.put("spring.jpa.generate-ddl", "false");
		properties.put("spring.quartz.auto-startup", "false");
		return Collections.unmodifiableMap(properties);
	}

}
