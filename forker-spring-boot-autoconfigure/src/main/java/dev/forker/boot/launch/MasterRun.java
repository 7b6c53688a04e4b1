package dev.forker.boot.launch;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.control.ControlServer;
import dev.forker.boot.logging.LogForwarding;
import dev.forker.boot.master.Master;
import dev.forker.boot.master.MasterClock;
import dev.forker.boot.posix.PosixProcesses;
import dev.forker.boot.posix.Signals;

/**
 * Runs a master, in the application's JVM or in the lightweight master JVM: its control
 * channel, its workers and its signals.
 *
 * @since 0.1.0
 */
final class MasterRun {

	private MasterRun() {
	}

	static int run(MasterConfig config, PosixProcesses posix) throws IOException {
		ForkerProperties properties = config.properties();
		ForkerProperties.Worker settings = properties.getWorker();
		long pid = ProcessHandle.current().pid();
		ControlServer control = ControlServer.open();
		Closeable logFiles = null;
		try {
			WorkerCommand command = new WorkerCommand(config.commandLine(), config.cache(), settings.getJvmArgs(),
					settings.isAutoSize(), config.processors(), config.workerEnvironment());
			SpawnedWorkers workers = new SpawnedWorkers(posix, command, pid, control.socketPath(), config.ports(),
					settings.getHeartbeatInterval());
			Path logSocket = control.directory().resolve("log.sock");
			logFiles = LogForwarding.startMaster(logSocket, workers::isWorker);
			if (logFiles != null) {
				workers.logSocket(logSocket);
			}
			Master master = new Master(properties, workers, MasterClock.SYSTEM, OpenPorts.listeners(config.ports()),
					config.maxWorkers(), config.ports(), pid);
			workers.watch(() -> master.post(master::reap));
			Signals.install((name) -> master.post(() -> master.onStopSignal(name)), "TERM", "INT");
			Signals.install((name) -> master.post(() -> master.onOperatorSignal(name)), "HUP", "TTIN", "TTOU");
			return master.run(control);
		}
		finally {
			// Every worker is gone: what they forwarded is written before the master
			// exits
			if (logFiles != null) {
				logFiles.close();
			}
			control.close();
			control.deleteDirectory();
		}
	}

}
