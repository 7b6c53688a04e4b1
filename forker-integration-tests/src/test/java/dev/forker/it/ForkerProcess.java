package dev.forker.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A forker master started as a real OS process, with everything it started. Its output
 * (which includes the workers', since they share the master's standard output) goes to a
 * log file under {@code target/it-logs}. {@link #close()} kills the master and every
 * worker it ever logged, and waits until they are gone.
 */
final class ForkerProcess implements AutoCloseable {

	private static final Pattern STARTED_WORKER = Pattern.compile("Started worker (\\d+) \\(pid (\\d+)\\)");

	private static final AtomicInteger counter = new AtomicInteger();

	private final Process process;

	private final Path log;

	private final int port;

	private final List<String> command;

	/**
	 * Whether the master runs in a PID namespace of its own, so that the pids it logs are
	 * not this test's.
	 */
	private final boolean namespaced;

	/**
	 * Where in the log the output this object shows starts: 0 for the process's own
	 * object, the size of the log at the time for a {@link #view()}.
	 */
	private final long offset;

	/**
	 * Whether {@link #close()} stops the processes: only the object that started them.
	 */
	private final boolean owner;

	private ForkerProcess(Process process, Path log, int port, List<String> command, boolean namespaced, long offset,
			boolean owner) {
		this.process = process;
		this.log = log;
		this.port = port;
		this.command = command;
		this.namespaced = namespaced;
		this.offset = offset;
		this.owner = owner;
	}

	/**
	 * Return the same running deployment, showing only the output logged from now on,
	 * whose {@link #close()} leaves the processes running: what a test gets of a
	 * deployment that other tests share (see {@link SharedDeployments}).
	 * @return a view of this deployment from now on
	 */
	ForkerProcess view() {
		try {
			return new ForkerProcess(this.process, this.log, this.port, this.command, this.namespaced,
					Files.size(this.log), false);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Start a sample jar.
	 * @param jar the executable jar
	 * @return a builder
	 */
	static Builder jar(Path jar) {
		return new Builder(List.of("-jar", jar.toString()));
	}

	/**
	 * Start a main class from this JVM's class path, as {@code java -cp ... MainClass},
	 * on Tomcat: without the jars of Jetty, which Spring Boot would start instead.
	 * @param mainClass the main class
	 * @return a builder
	 */
	static Builder mainClass(Class<?> mainClass) {
		return mainClass(mainClass, ServerJars.JETTY);
	}

	/**
	 * Start a main class from this JVM's class path without the jars of some web servers,
	 * as {@code java -cp ... MainClass}. The test class path holds Tomcat, Jetty and
	 * Reactor Netty (the samples' dependencies), and Spring Boot would start the first
	 * one it finds.
	 * @param mainClass the main class
	 * @param without the web servers to leave out
	 * @return a builder
	 */
	static Builder mainClass(Class<?> mainClass, ServerJars... without) {
		List<String> classPath = new ArrayList<>();
		for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
			String path = entry.replace(File.separatorChar, '/');
			if (Arrays.stream(without).noneMatch((server) -> server.contains(path))) {
				classPath.add(entry);
			}
		}
		return new Builder(List.of("-cp", String.join(File.pathSeparator, classPath), mainClass.getName()));
	}

	static Path sampleJar(String name) {
		Path jar = Path.of(System.getProperty("forker.it." + name + "-jar", "missing"));
		assertThat(jar).as("jar of " + name + " (build it with ./mvnw verify)").isRegularFile();
		return jar;
	}

	long pid() {
		return this.process.pid();
	}

	int port() {
		return this.port;
	}

	Process process() {
		return this.process;
	}

	Path log() {
		return this.log;
	}

	/**
	 * Return the output of the deployment: all of it, or for a {@link #view()} what was
	 * logged since the view was taken.
	 * @return the output
	 */
	String output() {
		return output(this.offset);
	}

	/**
	 * Return the whole output of the deployment, from its start, also for a
	 * {@link #view()}.
	 * @return the output
	 */
	String fullOutput() {
		return output(0);
	}

	private String output(long from) {
		try {
			byte[] bytes = Files.readAllBytes(this.log);
			int start = (int) Math.min(from, bytes.length);
			return new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Return the tail of the output, for assertion messages.
	 * @return the last lines of output
	 */
	String tail() {
		String output = output();
		return "\n--- " + this.log + " (last 6000 chars) ---\n" + output.substring(Math.max(0, output.length() - 6000));
	}

	/**
	 * Assert that no process of this deployment logged a line at ERROR level or an
	 * exception stack trace, apart from lines the test provokes on purpose.
	 * @param expected patterns of error lines the test provokes
	 */
	void assertNoErrorsLogged(String... expected) {
		List<String> errors = LogLines.errors(output(), expected);
		assertThat(errors).as("ERROR lines and stack traces logged by " + this.command + " in " + this.log).isEmpty();
	}

	void awaitOutput(String text, Duration timeout) {
		await().atMost(timeout)
			.pollInterval(Duration.ofMillis(100))
			.untilAsserted(() -> assertThat(output()).as("output of " + this.command + tail()).contains(text));
	}

	int awaitExit(Duration timeout) throws InterruptedException {
		if (!this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
			throw new AssertionError("Master did not exit within " + timeout + tail());
		}
		return this.process.exitValue();
	}

	/**
	 * Return the pid of every worker the master logged as started, by worker id, latest
	 * first.
	 * @return the started workers, in order
	 */
	List<StartedWorker> startedWorkers() {
		List<StartedWorker> workers = new ArrayList<>();
		Matcher matcher = STARTED_WORKER.matcher(output(0));
		while (matcher.find()) {
			workers.add(new StartedWorker(Integer.parseInt(matcher.group(1)), Long.parseLong(matcher.group(2))));
		}
		return workers;
	}

	/**
	 * Return what {@code /actuator/forker} says of the master and its workers.
	 * @return the status document
	 */
	JsonNode status() throws IOException {
		HttpProbe.Response response = HttpProbe.get(this.port, "/actuator/forker");
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		return Json.parse(response.body());
	}

	/**
	 * Return the pids of the ready workers in a status of {@code /actuator/forker}.
	 * @param status the status document
	 * @return the pids
	 */
	static Set<Long> readyPids(JsonNode status) {
		Set<Long> pids = new LinkedHashSet<>();
		for (JsonNode worker : status.get("workers")) {
			if ("ready".equals(worker.get("state").asString())) {
				pids.add(worker.get("pid").asLong());
			}
		}
		return pids;
	}

	Set<Long> livePids(Collection<Long> pids) {
		Set<Long> alive = new LinkedHashSet<>();
		for (long pid : pids) {
			if (isRunning(pid)) {
				alive.add(pid);
			}
		}
		return alive;
	}

	/**
	 * Return the full command line of a process (which {@link ProcessHandle.Info} leaves
	 * out when it is long).
	 * @param pid the process
	 * @return the arguments, separated by spaces
	 */
	static String commandLine(long pid) {
		try {
			return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Return whether a process runs: exists and is not a zombie waiting to be reaped.
	 * @param pid the process
	 * @return whether it runs
	 */
	static boolean isRunning(long pid) {
		Path stat = Path.of("/proc", Long.toString(pid), "stat");
		try {
			String content = Files.readString(stat);
			char state = content.charAt(content.lastIndexOf(')') + 2);
			return state != 'Z' && state != 'X';
		}
		catch (IOException ex) {
			return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
					&& !Files.isDirectory(Path.of("/proc"));
		}
	}

	Set<Long> startedPids() {
		Set<Long> pids = new LinkedHashSet<>();
		if (!this.namespaced) {
			startedWorkers().forEach((worker) -> pids.add(worker.pid()));
		}
		return pids;
	}

	/**
	 * Keep requesting {@code /worker} on new connections until {@code count} distinct
	 * workers answered.
	 * @param count how many distinct workers to wait for
	 * @param timeout how long to try
	 * @return the answers, by pid
	 */
	Map<Long, WorkerAnswer> awaitDistinctWorkers(int count, Duration timeout) {
		return awaitDistinctWorkers(HttpProbe.Target.http(this.port), count, timeout);
	}

	Map<Long, WorkerAnswer> awaitDistinctWorkers(HttpProbe.Target target, int count, Duration timeout) {
		Map<Long, WorkerAnswer> seen = new HashMap<>();
		await().atMost(timeout).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
			Optional<WorkerAnswer> answer = HttpProbe.worker(target);
			answer.ifPresent((a) -> seen.put(a.pid(), a));
			assertThat(seen).as("distinct workers answering on " + target + tail()).hasSizeGreaterThanOrEqualTo(count);
		});
		return seen;
	}

	void signal(String signal) throws IOException, InterruptedException {
		signal(this.process.pid(), signal);
	}

	static void signal(long pid, String signal) throws IOException, InterruptedException {
		Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
		assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
		assertThat(kill.exitValue()).as("kill -" + signal + " " + pid).isZero();
	}

	/**
	 * Stop a process with {@code SIGSTOP} and wait until every one of its threads has
	 * stopped: {@code kill} returns once the signal is queued, and until then the process
	 * may still accept a connection that it will then hold without answering.
	 * @param pid the process to stop
	 */
	static void stop(long pid) throws IOException, InterruptedException {
		signal(pid, "STOP");
		Path tasks = Path.of("/proc", Long.toString(pid), "task");
		await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> {
			try (Stream<Path> threads = Files.list(tasks)) {
				return threads.allMatch(ForkerProcess::isStopped);
			}
		});
	}

	private static boolean isStopped(Path task) {
		try {
			String stat = Files.readString(task.resolve("stat"));
			// The state follows the command name, which is in parentheses
			char state = stat.charAt(stat.lastIndexOf(')') + 2);
			return state == 'T' || state == 't';
		}
		catch (IOException ex) {
			// A thread that ended meanwhile
			return true;
		}
	}

	/**
	 * Stop the master and every worker it ever logged, unless this is a {@link #view()}.
	 */
	@Override
	public void close() {
		if (!this.owner) {
			return;
		}
		Set<ProcessHandle> all = new LinkedHashSet<>();
		this.process.toHandle().descendants().forEach(all::add);
		for (long pid : startedPids()) {
			ProcessHandle.of(pid).ifPresent(all::add);
		}
		this.process.destroyForcibly();
		all.forEach(ProcessHandle::destroyForcibly);
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
			return !this.process.isAlive() && all.stream().noneMatch((handle) -> isRunning(handle.pid()));
		});
		deleteSharedState(this.process.pid(), this.namespaced);
	}

	/**
	 * Delete the state a master killed with {@code SIGKILL} left in shared memory (the
	 * next master would, but the suite's last ones have none, and a master in a pid
	 * namespace of its own is pid 1 there).
	 * @param masterPid the pid of the master
	 * @param namespaced whether the master runs in a pid namespace of its own
	 */
	private static void deleteSharedState(long masterPid, boolean namespaced) {
		try (DirectoryStream<Path> directories = Files.newDirectoryStream(Path.of("/dev/shm"), "forker-*")) {
			String ownNamespace = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
			for (Path directory : directories) {
				Path owner = directory.resolve("master.pid");
				if (!Files.isRegularFile(owner)) {
					continue;
				}
				String[] pidAndNamespace = Files.readString(owner).trim().split(" ", 2);
				boolean ours = (namespaced)
						? pidAndNamespace[0].equals("1") && pidAndNamespace.length == 2
								&& !pidAndNamespace[1].equals(ownNamespace)
						: pidAndNamespace[0].equals(Long.toString(masterPid));
				if (ours) {
					try (Stream<Path> files = Files.walk(directory)) {
						files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
					}
				}
			}
		}
		catch (IOException ex) {
			// No shared memory here (macOS), or nothing left
		}
	}

	record StartedWorker(int id, long pid) {
	}

	/**
	 * The jars of a web server on the test class path, by the paths of their Maven
	 * coordinates.
	 */
	enum ServerJars {

		/**
		 * Tomcat and Spring Boot's Tomcat support.
		 */
		TOMCAT("/org/apache/tomcat/embed/", "/spring-boot-tomcat/", "/spring-boot-starter-tomcat"),

		/**
		 * Jetty and Spring Boot's Jetty support.
		 */
		JETTY("/org/eclipse/jetty/", "/spring-boot-jetty/", "/spring-boot-starter-jetty"),

		/**
		 * Reactor Netty and Spring Boot's Reactor Netty support.
		 */
		REACTOR_NETTY("/io/projectreactor/netty/", "/spring-boot-reactor-netty/",
				"/spring-boot-starter-reactor-netty/");

		private final List<String> markers;

		ServerJars(String... markers) {
			this.markers = List.of(markers);
		}

		boolean contains(String path) {
			return this.markers.stream().anyMatch(path::contains);
		}

	}

	/**
	 * Builds the command line of a forker master.
	 */
	static final class Builder {

		private final List<String> launch;

		private final List<String> jvmOptions = new ArrayList<>();

		private final List<String> arguments = new ArrayList<>();

		private final Map<String, String> environment = new HashMap<>();

		private int port = -1;

		private String name = "forker";

		private final List<String> wrapper = new ArrayList<>();

		private Path directory;

		private boolean defaultHeap = true;

		private boolean allWorkersAtOnce = true;

		private Builder(List<String> launch) {
			this.launch = launch;
		}

		Builder name(String name) {
			this.name = name;
			return this;
		}

		Builder jvmOption(String option) {
			this.jvmOptions.add(option);
			return this;
		}

		Builder args(String... arguments) {
			this.arguments.addAll(List.of(arguments));
			return this;
		}

		Builder env(String name, String value) {
			this.environment.put(name, value);
			return this;
		}

		Builder port(int port) {
			this.port = port;
			return this;
		}

		/**
		 * Start the JVM through another command, such as {@code unshare}.
		 * @param command the command and its arguments, before {@code java}
		 * @return this builder
		 */
		Builder wrappedIn(String... command) {
			this.wrapper.addAll(List.of(command));
			return this;
		}

		/**
		 * Leave out the {@code -Xmx256m} the JVM gets by default, which workers inherit
		 * and which wins over a heap option in {@code JAVA_TOOL_OPTIONS}.
		 * @return this builder
		 */
		Builder withoutDefaultHeap() {
			this.defaultHeap = false;
			return this;
		}

		/**
		 * Leave the workers' start concurrency at forker's default, one worker at a time
		 * on 2 cores, instead of the {@code -Dforker.worker.start-concurrency=0} (all at
		 * once) the JVM gets by default to save a test a second or two per start. A
		 * setting given as an argument wins over both.
		 * @return this builder
		 */
		Builder withDefaultStartConcurrency() {
			this.allWorkersAtOnce = false;
			return this;
		}

		Builder directory(Path directory) {
			this.directory = directory;
			return this;
		}

		ForkerProcess start() throws IOException {
			int port = (this.port >= 0) ? this.port : FreePorts.find();
			List<String> command = new ArrayList<>(this.wrapper);
			command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
			if (this.defaultHeap) {
				command.add("-Xmx256m");
			}
			command.add("-XX:TieredStopAtLevel=1");
			if (this.allWorkersAtOnce) {
				command.add("-Dforker.worker.start-concurrency=0");
			}
			command.addAll(this.jvmOptions);
			command.addAll(this.launch);
			command.add("--server.port=" + port);
			command.addAll(this.arguments);
			Path directory = Path.of(System.getProperty("forker.it.log-dir", "target/it-logs"));
			Files.createDirectories(directory);
			Path log = directory.resolve(this.name + "-" + counter.incrementAndGet() + ".log");
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
			if (this.directory != null) {
				builder.directory(this.directory.toFile());
			}
			builder.environment().keySet().removeIf((variable) -> variable.startsWith("FORKER_"));
			builder.environment().putAll(this.environment);
			return new ForkerProcess(builder.start(), log, port, command, this.wrapper.contains("unshare"), 0, true);
		}

	}

}
