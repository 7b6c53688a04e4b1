package dev.forker.boot.master;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.List;

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
		List<String> command = JavaCommandLine.current()
			.withoutDebugger()
			.toCommand(List.of(), properties.getWorker().getJvmArgs());
		Master.Factory master = (launch) -> new Master(properties, launch, posix, validator.maxWorkers());
		try {
			return switch (properties.getMode()) {
				case REUSEPORT -> {
					try (PortReservation reservation = PortReservation.reserve(address, port)) {
						yield master
							.create(new WorkerLaunch(command, reservation.port(), WorkerSocketMode.REUSEPORT, null))
							.run();
					}
				}
				case SHARED -> {
					try (SharedListenSocket socket = SharedListenSocket.open(address, port, properties.getBacklog())) {
						yield master
							.create(new WorkerLaunch(command, socket.port(), WorkerSocketMode.INHERITED, socket.fd()))
							.run();
					}
				}
			};
		}
		catch (IOException ex) {
			throw new UncheckedIOException("forker master failed", ex);
		}
	}

}
