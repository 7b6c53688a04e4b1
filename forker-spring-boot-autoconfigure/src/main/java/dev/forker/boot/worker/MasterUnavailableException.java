package dev.forker.boot.worker;

/**
 * Thrown when a worker cannot ask its master because the master is replacing itself in
 * place (an in-place upgrade): from the moment the link to the replaced master closes
 * until the worker is connected to the new one. The worker keeps serving meanwhile; the
 * same request succeeds once it has reconnected, usually within seconds.
 *
 * @since 0.1.0
 */
public class MasterUnavailableException extends IllegalStateException {

	private final long masterPid;

	/**
	 * Create a new instance.
	 * @param masterPid the pid of the master, which the new master keeps
	 */
	public MasterUnavailableException(long masterPid) {
		super("The forker master (pid " + masterPid + ") is replacing itself in place (an in-place upgrade): "
				+ "this worker keeps serving and connects to the new master, usually within seconds. Ask again then.");
		this.masterPid = masterPid;
	}

	/**
	 * Return the pid of the master.
	 * @return the pid
	 */
	public long getMasterPid() {
		return this.masterPid;
	}

}
