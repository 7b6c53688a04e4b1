package dev.forker.boot.master;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.diagnostics.InvalidForkerPropertyException;
import dev.forker.boot.worker.WorkerSocketMode;

/**
 * Turns the process that started the application into a forker master: reads and checks
 * the configuration, takes the port, then runs the {@link Master} until its workers are
 * gone.
 *
 * @since 0.1.0
 */
public final class MasterLauncher {

	private static final Log logger = LogFactory.getLog(MasterLauncher.class);

	private MasterLauncher() {
	}

	/**
	 * Run this process as a master.
	 * @param environment the application's prepared environment
	 * @return the exit code of the master
	 */
	public static int run(ConfigurableEnvironment environment) {
		Binder binder = Binder.get(environment);
		ForkerProperties properties = binder.bindOrCreate("forker", ForkerProperties.class);
		ForkerPropertiesValidator validator = new ForkerPropertiesValidator(Runtime.getRuntime().availableProcessors());
		validator.validate(properties);
		PlatformSupport.check(System.getProperty("os.name", ""));
		@Nullable InetAddress address = binder.bind("server.address", InetAddress.class).orElse(null);
		int port = binder.bind("server.port", Integer.class).orElse(8080);
		if (port < 0 || port > 65535) {
			throw new InvalidForkerPropertyException("server.port", port, "it is not a TCP port",
					"Set server.port to a port from 1 to 65535, or to 0 for a free port chosen at start.");
		}
		PosixProcesses posix = PosixProcesses.load();
		JavaCommandLine commandLine = JavaCommandLine.current().withoutDebugger();
		if (properties.getWorker().isClassDataSharing()) {
			commandLine = new ClassDataSharing(Path.of(System.getProperty("java.io.tmpdir"), "forker-cds"))
				.prepare(commandLine);
		}
		int processors = Runtime.getRuntime().availableProcessors();
		Launch launch = new Launch(environment, properties, commandLine, processors, validator.maxWorkers(), posix);
		try {
			return switch (properties.getMode()) {
				case REUSEPORT -> {
					try (PortReservation reservation = PortReservation.reserve(address, port)) {
						yield launch.run(reservation.port(), WorkerSocketMode.REUSEPORT, null);
					}
				}
				case SHARED -> {
					try (SharedListenSocket socket = SharedListenSocket.open(address, port, properties.getBacklog())) {
						yield launch.run(socket.port(), WorkerSocketMode.INHERITED, socket.fd());
					}
				}
			};
		}
		catch (IOException ex) {
			throw new UncheckedIOException("forker master failed", ex);
		}
	}

	/**
	 * Starting the master once the port is taken: as a lightweight JVM of its own when
	 * possible, in this JVM otherwise.
	 */
	private record Launch(ConfigurableEnvironment environment, ForkerProperties properties, JavaCommandLine commandLine,
			int processors, int maxWorkers, PosixProcesses posix) {

		int run(int port, WorkerSocketMode socketMode, @Nullable Integer listenFd) throws IOException {
			if (this.properties.getMaster().isLightweight()) {
				List<String> command = LightweightMaster.command(this.commandLine);
				if (command != null) {
					MasterConfig config = new MasterConfig(this.properties, this.commandLine, this.processors,
							this.maxWorkers, port, socketMode, listenFd, System.getenv(), logging());
					int error = this.posix.exec(command, LightweightMaster.environment(config));
					logger.warn("Could not start the lightweight master (errno " + error
							+ "): the master stays in the application's JVM");
				}
				else {
					logger.info("The master stays in the application's JVM: it was not started from a jar or a "
							+ "class path, or does not log with Logback");
				}
			}
			ForkerProperties.Worker worker = this.properties.getWorker();
			WorkerLaunch launch = new WorkerLaunch(this.commandLine, worker.getJvmArgs(), worker.isAutoSize(),
					this.processors, port, socketMode, listenFd, Map.of());
			return new Master(this.properties, launch, this.posix, this.maxWorkers).run();
		}

		private MasterConfig.Logging logging() {
			String level = this.environment.getProperty("logging.level.dev.forker",
					this.environment.getProperty("logging.level.dev", "INFO"));
			return new MasterConfig.Logging(this.environment.getProperty("spring.application.name"), level);
		}

	}

}
