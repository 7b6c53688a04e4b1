package dev.forker.boot.launch;

import java.io.IOException;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.control.ControlServer;
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
		try {
			WorkerCommand command = new WorkerCommand(config.commandLine(), settings.getJvmArgs(),
					settings.isAutoSize(), config.processors(), config.workerEnvironment());
			SpawnedWorkers workers = new SpawnedWorkers(posix, command, pid, control.socketPath(), null, config.ports(),
					settings.getHeartbeatInterval());
			Master master = new Master(properties, workers, MasterClock.SYSTEM, OpenPorts.listeners(config.ports()),
					config.maxWorkers(), config.ports(), pid);
			workers.watch(() -> master.post(master::reap));
			Signals.install((name) -> master.post(() -> master.onStopSignal(name)), "TERM", "INT");
			Signals.install((name) -> master.post(() -> master.onOperatorSignal(name)), "HUP", "TTIN", "TTOU");
			return master.run(control);
		}
		finally {
			control.close();
			control.deleteDirectory();
		}
	}

}
