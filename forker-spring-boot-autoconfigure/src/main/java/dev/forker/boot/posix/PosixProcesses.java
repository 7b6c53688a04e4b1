package dev.forker.boot.posix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import jnr.constants.platform.Errno;
import jnr.constants.platform.Fcntl;
import jnr.constants.platform.OpenFlags;
import jnr.constants.platform.Signal;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.annotations.Out;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.SpawnAttribute;
import jnr.posix.SpawnFileAction;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.diagnostics.ForkerUnsupportedPlatformException;

/**
 * The POSIX process control the JDK lacks: spawning a worker with exactly the file
 * descriptors it should have, signalling it or its process group, and reaping children.
 * <p>
 * Reaping is split so that a process is never signalled after its pid could be reused:
 * {@link #awaitExit()} waits until some child has exited without reaping it (a zombie
 * keeps its pid), and {@link #reap(long)} reaps it, on the thread that also sends the
 * signals.
 *
 * @since 0.1.0
 */
public final class PosixProcesses {

	private static final int P_ALL = 0;

	private static final int WNOHANG = 1;

	private static final int WEXITED = 4;

	private static final int SIGINFO_BYTES = 128;

	private static final int FD_CLOEXEC = 1;

	private static final Preloaded<PosixProcesses> loaded = new Preloaded<>(PosixProcesses::loadNow,
			"forker-posix-loader");

	private final POSIX posix;

	private final WaitFunctions wait;

	private final boolean macOs;

	private PosixProcesses(POSIX posix, WaitFunctions wait, boolean macOs) {
		this.posix = posix;
		this.wait = wait;
		this.macOs = macOs;
	}

	/**
	 * Return the native POSIX functions, loading them on this thread unless
	 * {@link #preload()} started loading them already.
	 * @return the processes
	 * @throws ForkerUnsupportedPlatformException if they are not available
	 */
	public static PosixProcesses load() {
		return loaded.get();
	}

	/**
	 * Start loading the native POSIX functions on a thread of their own: linking them
	 * costs a few hundred milliseconds of a master's start, which can pass while the
	 * application's JVM does something else.
	 */
	public static void preload() {
		loaded.preload();
	}

	private static PosixProcesses loadNow() {
		POSIX posix;
		WaitFunctions wait;
		try {
			posix = POSIXFactory.getNativePOSIX();
			wait = LibraryLoader.create(WaitFunctions.class)
				.load(Platform.getNativePlatform().getStandardCLibraryName());
		}
		catch (RuntimeException | LinkageError ex) {
			throw new ForkerUnsupportedPlatformException(
					"the native POSIX functions forker uses (posix_spawn, waitid, kill) are not available: " + ex);
		}
		if (!posix.isNative()) {
			throw new ForkerUnsupportedPlatformException(
					"the native POSIX functions forker uses (posix_spawn, waitid, kill) are not available");
		}
		return new PosixProcesses(posix, wait, Platform.getNativePlatform().getOS() == Platform.OS.DARWIN);
	}

	/**
	 * Start a process in its own process group. Its standard input is {@code /dev/null},
	 * its standard output and error are this process's, the {@code inherited} descriptors
	 * become its descriptors 3, 4, ... in order, and it inherits nothing else.
	 * @param argv the command, {@code argv[0]} being the absolute path of the executable
	 * @param environment the complete environment of the new process
	 * @param inherited descriptors of this process to pass
	 * @return the pid of the new process
	 * @throws IOException if the process could not be started
	 */
	public long spawn(List<String> argv, Map<String, String> environment, List<Integer> inherited) throws IOException {
		SpawnPlan plan = SpawnPlan.of(this.macOs, this.macOs ? List.of() : openDescriptors(), inherited);
		List<SpawnFileAction> actions = new ArrayList<>();
		for (SpawnPlan.Action action : plan.actions()) {
			actions.add(switch (action.kind()) {
				case OPEN_DEV_NULL ->
					SpawnFileAction.open("/dev/null", action.target(), OpenFlags.O_RDONLY.intValue(), 0);
				case DUP2 -> SpawnFileAction.dup(action.fd(), action.target());
				case CLOSE -> SpawnFileAction.close(action.fd());
			});
		}
		List<SpawnAttribute> attributes = List.of(SpawnAttribute.flags(plan.flags()), SpawnAttribute.pgroup(0));
		long pid = this.posix.posix_spawnp(argv.get(0), actions, attributes, argv, envp(environment));
		if (pid <= 0) {
			throw new IOException("posix_spawnp of " + argv.get(0) + " failed");
		}
		return pid;
	}

	/**
	 * Replace this process with a new program, keeping its pid, its standard streams and
	 * the given descriptors; every other descriptor (the jars and files this JVM opened)
	 * is closed. Returns only if that fails.
	 * @param argv the command, {@code argv[0]} being the absolute path of the executable
	 * @param environment the complete environment of the new program
	 * @param kept the descriptors the new program keeps
	 * @return the error number of the failure
	 */
	public int exec(List<String> argv, Map<String, String> environment, Collection<Integer> kept) {
		try {
			for (int fd : openDescriptors()) {
				if (fd > 2 && !kept.contains(fd)) {
					this.posix.fcntlInt(fd, Fcntl.F_SETFD, FD_CLOEXEC);
				}
			}
		}
		catch (IOException ex) {
			// The new program keeps them, which costs descriptors, nothing else
		}
		this.posix.execve(argv.get(0), argv.toArray(String[]::new), envp(environment).toArray(String[]::new));
		return this.posix.errno();
	}

	private static List<String> envp(Map<String, String> environment) {
		List<String> envp = new ArrayList<>(environment.size());
		environment.forEach((name, value) -> envp.add(name + "=" + value));
		return envp;
	}

	/**
	 * Send a signal to a process.
	 * @param pid the process
	 * @param signal the signal
	 * @return whether the signal was delivered
	 */
	public boolean signal(long pid, Signal signal) {
		return this.posix.kill(pid, signal.intValue()) == 0;
	}

	/**
	 * Send a signal to every process of the process group a process leads.
	 * @param pid the leader of the group
	 * @param signal the signal
	 * @return whether the signal was delivered to at least one process
	 */
	public boolean signalGroup(long pid, Signal signal) {
		return this.posix.kill(-pid, signal.intValue()) == 0;
	}

	/**
	 * Wait until a child process has exited, without reaping it: its pid stays reserved
	 * until {@link #reap(long)}.
	 * @return the pid of an exited child, or {@code -1} if this process has no children
	 * @throws IOException if waiting fails otherwise
	 */
	public long awaitExit() throws IOException {
		byte[] info = new byte[SIGINFO_BYTES];
		while (true) {
			int result = this.wait.waitid(P_ALL, 0, info, WEXITED | noWait());
			if (result == 0) {
				long pid = siginfoPid(info);
				if (pid > 0) {
					return pid;
				}
				continue;
			}
			int errno = this.posix.errno();
			if (errno == Errno.ECHILD.intValue()) {
				return -1;
			}
			if (errno != Errno.EINTR.intValue()) {
				throw new IOException("waitid failed with errno " + errno);
			}
		}
	}

	/**
	 * Reap a child process if it has exited, without waiting.
	 * @param pid the child, or -1 for any child
	 * @return the pid and exit status, or {@code null} if no such child has exited
	 */
	public @Nullable Exit reap(long pid) {
		int[] status = new int[1];
		while (true) {
			int result = this.posix.waitpid(pid, status, WNOHANG);
			if (result > 0) {
				return new Exit(result, ExitStatus.fromWaitStatus(status[0]));
			}
			if (result == 0 || this.posix.errno() != Errno.EINTR.intValue()) {
				return null;
			}
		}
	}

	private int noWait() {
		return this.macOs ? 0x20 : 0x01000000;
	}

	private long siginfoPid(byte[] info) {
		int offset = (this.macOs || Platform.getNativePlatform().addressSize() == 32) ? 12 : 16;
		return ByteBuffer.wrap(info).order(ByteOrder.nativeOrder()).getInt(offset);
	}

	/**
	 * Return a duplicate of a descriptor at the lowest free number not below
	 * {@code minimum}.
	 * @param fd the descriptor
	 * @param minimum the lowest acceptable number
	 * @return the duplicate
	 * @throws IOException if it cannot be duplicated
	 */
	public int duplicate(int fd, int minimum) throws IOException {
		int duplicate = this.posix.fcntlInt(fd, Fcntl.F_DUPFD, minimum);
		if (duplicate < 0) {
			throw new IOException("Cannot duplicate file descriptor " + fd + " (errno " + this.posix.errno() + ")");
		}
		return duplicate;
	}

	/**
	 * Close a descriptor.
	 * @param fd the descriptor
	 */
	public void close(int fd) {
		this.posix.close(fd);
	}

	private List<Integer> openDescriptors() throws IOException {
		List<Integer> open = new ArrayList<>();
		for (int fd : listDescriptors()) {
			// The listing's own descriptor is closed by now
			if (this.posix.fcntl(fd, Fcntl.F_GETFD) != -1) {
				open.add(fd);
			}
		}
		return open;
	}

	/**
	 * Return the file descriptors listed as open in this process, which may include one
	 * that the listing itself used.
	 * @return the file descriptors
	 * @throws IOException if they cannot be listed
	 */
	public static List<Integer> listDescriptors() throws IOException {
		Path directory = Files.isDirectory(Path.of("/proc/self/fd")) ? Path.of("/proc/self/fd") : Path.of("/dev/fd");
		List<Integer> descriptors = new ArrayList<>();
		try (Stream<Path> entries = Files.list(directory)) {
			entries.forEach((entry) -> {
				try {
					descriptors.add(Integer.parseInt(entry.getFileName().toString()));
				}
				catch (NumberFormatException ex) {
					// not a descriptor
				}
			});
		}
		return descriptors;
	}

	/**
	 * A reaped child process.
	 *
	 * @param pid the pid it had
	 * @param status how it ended
	 */
	public record Exit(long pid, ExitStatus status) {

	}

	/**
	 * The C library's {@code waitid}, which jnr-posix does not offer.
	 */
	public interface WaitFunctions {

		/**
		 * {@code int waitid(idtype_t idtype, id_t id, siginfo_t *infop, int options)}.
		 * @param idType which children
		 * @param id the id for the type
		 * @param info receives the {@code siginfo_t}
		 * @param options the options
		 * @return 0 on success, -1 on failure
		 */
		int waitid(int idType, int id, @Out byte[] info, int options);

	}

}
