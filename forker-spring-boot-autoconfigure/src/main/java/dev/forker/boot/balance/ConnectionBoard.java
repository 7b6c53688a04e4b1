package dev.forker.boot.balance;

import java.io.Closeable;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The open connections of every worker that accepts from one shared listening socket, in
 * a small file that each worker maps into its memory. A worker writes only its own slot
 * and reads the others' without locks: each slot holds the owner's pid, a heartbeat time,
 * its open connections and whether it accepts.
 * <p>
 * A worker claims a free slot, or one whose owner stopped beating for
 * {@link #STALE_MILLIS} (it exited or was killed), with a compare-and-set of the owner
 * pid, so that workers of several generations (a rolling restart) can share a board
 * without the master handing slots out.
 *
 * @since 0.1.0
 */
final class ConnectionBoard implements Closeable {

	/**
	 * Slots of a board: more workers than that share no socket.
	 */
	static final int SLOTS = 256;

	/**
	 * Time after which a slot whose owner stopped beating counts as free.
	 */
	static final long STALE_MILLIS = 1000;

	// One cache line per slot: workers writing their own slot do not contend
	private static final int SLOT_BYTES = 64;

	private static final int OWNER = 0;

	private static final int HEARTBEAT = 8;

	private static final int CONNECTIONS = 16;

	private static final int ACCEPTING = 20;

	private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

	private static final VarHandle INTS = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

	private final Path file;

	private final FileChannel channel;

	private final MappedByteBuffer buffer;

	private ConnectionBoard(Path file, FileChannel channel, MappedByteBuffer buffer) {
		this.file = file;
		this.channel = channel;
		this.buffer = buffer;
	}

	/**
	 * Open (and create, if needed) the board in a file readable by its owner only.
	 * @param file the file
	 * @return the board
	 * @throws IOException if the file cannot be opened or mapped
	 */
	static ConnectionBoard open(Path file) throws IOException {
		FileChannel channel;
		try {
			channel = FileChannel.open(file,
					Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE),
					PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
		}
		catch (FileAlreadyExistsException ex) {
			channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
		}
		try {
			// Mapping past the end grows the file (with zeros) to its full size
			MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_WRITE, 0, (long) SLOTS * SLOT_BYTES);
			return new ConnectionBoard(file, channel, buffer);
		}
		catch (IOException | RuntimeException ex) {
			channel.close();
			throw ex;
		}
	}

	/**
	 * Return the file of the board for a port, next to the master's control socket.
	 * @param controlSocket the control socket
	 * @param port the port
	 * @return the file
	 */
	static Path file(Path controlSocket, int port) {
		Path directory = controlSocket.toAbsolutePath().getParent();
		return directory.resolve("connections-" + port + ".board");
	}

	/**
	 * Claim a slot for a process.
	 * @param pid the pid of the process
	 * @param now the current time in milliseconds
	 * @return the slot index, or {@code -1} if every slot is taken
	 */
	int claim(long pid, long now) {
		for (int slot = 0; slot < SLOTS; slot++) {
			long owner = owner(slot);
			boolean free = owner == 0 || (owner != pid && now - heartbeat(slot) > STALE_MILLIS);
			if (free && LONGS.compareAndSet(this.buffer, offset(slot, OWNER), owner, pid)) {
				INTS.setVolatile(this.buffer, offset(slot, CONNECTIONS), 0);
				INTS.setVolatile(this.buffer, offset(slot, ACCEPTING), 0);
				beat(slot, now);
				return slot;
			}
		}
		return -1;
	}

	/**
	 * Give a slot up, if the process still owns it.
	 * @param slot the slot
	 * @param pid the owner
	 */
	void release(int slot, long pid) {
		if (owner(slot) == pid) {
			INTS.setVolatile(this.buffer, offset(slot, ACCEPTING), 0);
			INTS.setVolatile(this.buffer, offset(slot, CONNECTIONS), 0);
			LONGS.compareAndSet(this.buffer, offset(slot, OWNER), pid, 0L);
		}
	}

	long owner(int slot) {
		return (long) LONGS.getVolatile(this.buffer, offset(slot, OWNER));
	}

	long heartbeat(int slot) {
		return (long) LONGS.getVolatile(this.buffer, offset(slot, HEARTBEAT));
	}

	void beat(int slot, long now) {
		LONGS.setVolatile(this.buffer, offset(slot, HEARTBEAT), now);
	}

	void connections(int slot, int connections) {
		INTS.setVolatile(this.buffer, offset(slot, CONNECTIONS), connections);
	}

	int connections(int slot) {
		return (int) INTS.getVolatile(this.buffer, offset(slot, CONNECTIONS));
	}

	void accepting(int slot, boolean accepting) {
		INTS.setVolatile(this.buffer, offset(slot, ACCEPTING), accepting ? 1 : 0);
	}

	boolean accepting(int slot) {
		return (int) INTS.getVolatile(this.buffer, offset(slot, ACCEPTING)) != 0;
	}

	/**
	 * Return the fewest open connections of the workers, other than the given slot's,
	 * that accept and are alive.
	 * @param self the slot to leave out
	 * @param now the current time in milliseconds
	 * @return the fewest connections, or {@link Integer#MAX_VALUE} if no other worker
	 * accepts
	 */
	int fewestOtherConnections(int self, long now) {
		int fewest = Integer.MAX_VALUE;
		for (int slot = 0; slot < SLOTS; slot++) {
			if (slot == self || owner(slot) == 0 || !accepting(slot) || now - heartbeat(slot) > STALE_MILLIS) {
				continue;
			}
			fewest = Math.min(fewest, connections(slot));
		}
		return fewest;
	}

	Path file() {
		return this.file;
	}

	private static int offset(int slot, int field) {
		return slot * SLOT_BYTES + field;
	}

	@Override
	public void close() throws IOException {
		this.channel.close();
	}

	@Override
	public String toString() {
		return "ConnectionBoard " + this.file;
	}

}
