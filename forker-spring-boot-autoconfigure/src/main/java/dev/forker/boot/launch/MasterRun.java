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
import dev.forker.boot.ports.OpenPorts;

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
		long pid = ProcessHandle.current().pid();
		SpawnedWorkers workers = SpawnedWorkers.of(posix, config, pid);
		config.started().forEach(workers::adopt);
		Closeable logFiles = null;
		ControlServer control = null;
		try {
			// The log socket first: workers started early wait for the control socket,
			// then connect to both
			Path logSocket = config.logSocket();
			if (logSocket != null) {
				logFiles = LogForwarding.startMaster(logSocket, workers::isWorker);
				if (logFiles != null) {
					workers.logSocket(logSocket);
				}
			}
			control = ControlServer.open(config.directory());
			Master master = new Master(properties, workers, MasterClock.SYSTEM,
					OpenPorts.listeners(config.ports(), config.socketsPassed()), config.maxWorkers(), config.ports(),
					pid);
			if (config.replacedMaster()) {
				master.adoptFromReplacedMaster(config.started());
			}
			else {
				master.adopt(config.started());
			}
			master.replacement(new MasterReexec(config, posix, workers));
			workers.watch(() -> master.post(master::reap));
			Signals.install((name) -> master.post(() -> master.onStopSignal(name)), "TERM", "INT");
			Signals.install((name) -> master.post(() -> master.onOperatorSignal(name)), "HUP", "TTIN", "TTOU", "USR2");
			return master.run(control);
		}
		finally {
			// Every worker is gone: what they forwarded is written before the master
			// exits
			if (logFiles != null) {
				logFiles.close();
			}
			if (control != null) {
				control.close();
			}
			ControlServer.deleteDirectory(config.directory());
		}
	}

}
