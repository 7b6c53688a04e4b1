package dev.forker.boot.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.control.ControlServer;
import dev.forker.boot.control.StateDirectory;
import dev.forker.boot.session.SessionBoard;
import dev.forker.boot.control.ServedPort;
import dev.forker.boot.database.InMemoryDatabase;
import dev.forker.boot.logging.LogForwarding;
import dev.forker.boot.logging.MasterLogging;
import dev.forker.boot.master.WorkerProcesses;
import dev.forker.boot.posix.NativeSockets;
import dev.forker.boot.posix.PosixProcesses;
import dev.forker.boot.startup.CachedLaunch;
import dev.forker.boot.startup.JavaCommandLine;
import dev.forker.boot.startup.StartupCache;
import dev.forker.boot.ports.OpenPorts;
import dev.forker.boot.ports.PlannedPort;
import dev.forker.boot.ports.PassedSockets;

/**
 * Turns the process that started the application into a forker master: reads and checks
 * the configuration, takes the ports, then runs the master until its workers are gone, in
 * a lightweight JVM of its own when it can.
 *
 * @since 0.1.0
 */
final class MasterLauncher {

	private static final Log logger = LogFactory.getLog(MasterLauncher.class);

	private static final String LOG_SOCKET = "log.sock";

	private MasterLauncher() {
	}

	/**
	 * Run this process as a master.
	 * @param environment the application's prepared environment
	 * @param webApplicationType the type of web application Spring Boot deduced
	 * @return the exit code of the master
	 */
	static int run(ConfigurableEnvironment environment, WebApplicationType webApplicationType) {
		ForkerProperties properties = Binder.get(environment).bindOrCreate("forker", ForkerProperties.class);
		int processors = Runtime.getRuntime().availableProcessors();
		ForkerPropertiesValidator validator = new ForkerPropertiesValidator(processors);
		validator.validate(properties);
		PlatformSupport.check(System.getProperty("os.name", ""));
		warnAboutInMemoryDatabase(environment, properties.determineWorkers());
		List<PlannedPort> planned = PlannedPort.of(environment, webApplicationType);
		JavaCommandLine commandLine = JavaCommandLine.current().withoutDebugger();
		checkMemory(properties, commandLine, processors);
		UpgradeState check = UpgradeState.read(UpgradeState.CHECK_VARIABLE);
		if (check != null) {
			List<ServedPort> served = check.passedSockets().match(planned, properties.getMode());
			logger.info("The new version passed its check: forker.* is valid (" + properties.determineWorkers()
					+ " workers, " + properties.getMode().name().toLowerCase(Locale.ROOT) + " mode) and its ports "
					+ served.stream().map((port) -> port.property() + " " + port.port()).toList()
					+ " are the master's sockets");
			return 0;
		}
		UpgradeState upgrade = UpgradeState.read(UpgradeState.VARIABLE);
		PosixProcesses posix = PosixProcesses.load();
		CachedLaunch cache = prepareStartupCache(properties, commandLine, planned, processors);
		PassedSockets passed = (upgrade != null) ? upgrade.passedSockets() : passedSockets();
		try (OpenPorts ports = (passed != null) ? OpenPorts.passed(planned, passed, properties.getMode())
				: OpenPorts.open(planned, properties.getMode(), properties.getBacklog())) {
			if (upgrade != null) {
				logger.info("In-place upgrade: the new master (pid " + ProcessHandle.current().pid()
						+ ") takes over the sockets "
						+ ports.served().stream().map((port) -> port.property() + " " + port.port()).toList()
						+ " and the " + upgrade.workers().size() + " workers of the version it replaced");
			}
			else if (passed != null) {
				logger.info("Serving the listening sockets systemd passed (" + passed.describe() + ") as "
						+ ports.served().stream().map((port) -> port.property() + " " + port.port()).toList()
						+ ": the master opens no socket of its own");
			}
			Path directory = (upgrade != null) ? reuseDirectory(upgrade.directory()) : ControlServer.createDirectory();
			MasterConfig config;
			try {
				SessionBoard
					.create(StateDirectory.create(directory, properties.getSessions().getMaxMemory().toBytes()));
				config = new MasterConfig(properties, commandLine, cache, processors, validator.maxWorkers(),
						ports.served(), System.getenv(), MasterLogging.properties(environment), directory,
						LogForwarding.hasFiles() ? directory.resolve(LOG_SOCKET) : null, List.of(),
						(upgrade != null) ? upgrade.socketsPassed() : passed != null, upgrade != null);
				if (upgrade != null) {
					config = config.withStarted(upgrade.adoptedWorkers());
				}
				if (properties.getMaster().isLightweight()) {
					List<String> command = LightweightMaster.command(commandLine, cache);
					if (command != null) {
						// The first workers start now, while this JVM becomes the master
						if (upgrade == null) {
							config = config.withStarted(startFirstWorkers(posix, config));
						}
						int error = posix.exec(command, LightweightMaster.environment(config), ports.keptDescriptors());
						logger.warn("Could not start the lightweight master (errno " + error
								+ "): the master stays in the application's JVM");
					}
					else {
						logger.info("The master stays in the application's JVM: it was not started from a jar or "
								+ "a class path");
					}
				}
			}
			catch (IOException | RuntimeException ex) {
				ControlServer.deleteDirectory(directory);
				throw ex;
			}
			return MasterRun.run(config, posix);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("forker master failed", ex);
		}
	}

	/**
	 * Take over the private directory of the master this one replaced: its workers
	 * reconnect there. The sockets of the replaced master are files left behind.
	 */
	private static Path reuseDirectory(Path directory) throws IOException {
		Files.deleteIfExists(ControlServer.socketPath(directory));
		Files.deleteIfExists(directory.resolve(LOG_SOCKET));
		return directory;
	}

	private static @Nullable PassedSockets passedSockets() {
		return PassedSockets.of(System.getenv(), ProcessHandle.current().pid(), (fd) -> {
			NativeSockets sockets = NativeSockets.get();
			return sockets.isListening(fd) ? sockets.localAddress(fd) : null;
		});
	}

	private static void warnAboutInMemoryDatabase(ConfigurableEnvironment environment, int workers) {
		String database = InMemoryDatabase.describe(environment, MasterLauncher.class.getClassLoader());
		if (database != null && workers > 1) {
			logger.warn("The application uses an in-memory database, " + database + ": each of the " + workers
					+ " workers has a database of its own, so what a request writes through one worker is missing"
					+ " on the others. Use a database server that every worker connects to (such as PostgreSQL or"
					+ " MySQL), or set forker.workers=1.");
		}
	}

	/**
	 * Compare what the workers may claim with the memory the deployment has, before
	 * anything is started or bound, and say when the buildpack's heap is divided.
	 */
	private static void checkMemory(ForkerProperties properties, JavaCommandLine commandLine, int processors) {
		WorkerMemory memory = WorkerMemory.of(properties, commandLine, processors, System.getenv());
		int workers = properties.determineWorkers();
		Long share = memory.buildpackHeapShare(workers);
		JvmMemoryOptions.Sized calculated = memory.calculatedHeap();
		if (share != null && calculated != null) {
			logger.info("JAVA_TOOL_OPTIONS holds " + calculated.option() + " from the buildpack's memory calculator, "
					+ "sized for one JVM: each of the " + workers + " workers gets -Xmx" + (share / WorkerMemory.MB)
					+ "m instead, its share of the " + WorkerMemory.format(memory.memory().bytes()) + " of "
					+ memory.memory().source() + " (forker.worker.auto-size)");
		}
		WorkerMemoryCheck.check(memory, workers, properties.getWorker().getMemoryCheck());
	}

	/**
	 * Start the workers that the master starts first, before this JVM becomes the
	 * lightweight master: their start overlaps the master's. They wait for the master's
	 * control socket, and the master adopts them.
	 * @param posix the POSIX functions
	 * @param config the master's configuration
	 * @return the workers started, fewer (or none) if one could not be started: the
	 * master then tries again, and reports the failure
	 */
	private static List<WorkerProcesses.Started> startFirstWorkers(PosixProcesses posix, MasterConfig config) {
		SpawnedWorkers workers = SpawnedWorkers.of(posix, config, ProcessHandle.current().pid());
		workers.logSocket(config.logSocket());
		int total = config.properties().determineWorkers();
		int first = Math.min(total, config.properties().getWorker().determineStartConcurrency());
		List<WorkerProcesses.Started> started = new ArrayList<>();
		for (int id = 1; id <= first; id++) {
			String token = WorkerProcesses.newToken();
			try {
				long pid = workers.start(id, token, total);
				started.add(new WorkerProcesses.Started(id, pid, token, Instant.now()));
			}
			catch (IOException | RuntimeException ex) {
				logger.debug("Could not start worker " + id + " before the master runs", ex);
				break;
			}
		}
		return started;
	}

	private static @Nullable CachedLaunch prepareStartupCache(ForkerProperties properties, JavaCommandLine commandLine,
			List<PlannedPort> planned, int processors) {
		ForkerProperties.ClassDataSharing settings = properties.getWorker().getClassDataSharing();
		if (!settings.isEnabled()) {
			return null;
		}
		Path directory = (settings.getDirectory() != null) ? settings.getDirectory() : StartupCache.defaultDirectory();
		// The training run sizes its JVM like the workers, so that the cache fits them
		List<String> options = new ArrayList<>(properties.getWorker().isAutoSize()
				? WorkerJvmSizing.options(properties.determineWorkers(), processors) : List.of());
		options.add(WorkerCommand.ENABLE_NATIVE_ACCESS);
		List<String> arguments = planned.stream()
			.filter((port) -> !port.property().equals(PlannedPort.SERVER_PORT))
			.map((port) -> "--" + port.property() + "=0")
			.toList();
		return new StartupCache(directory, Runtime.version().feature(), Set.of(MasterConfig.VARIABLE))
			.prepare(commandLine, options, arguments);
	}

}
