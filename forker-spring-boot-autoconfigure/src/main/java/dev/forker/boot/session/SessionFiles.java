package dev.forker.boot.session;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.StateDirectory;

/**
 * The HTTP sessions of a deployment as files in a directory that every worker reaches
 * directly, on a tmpfs (memory) where the host has one: a file per session, named after
 * it, holding its serialized form, whose modification time is the time it expires. A
 * session is written whole to a file of its own and renamed over the previous version, so
 * that a reader sees the old version or the new one and never part of one, whatever
 * happens to the writer; a session only used is kept alive by moving its expiry, without
 * writing it again. The kernel does the locking; the master only sweeps what expired.
 *
 * @since 0.1.0
 */
final class SessionFiles {

	private static final Pattern PLAIN_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

	private static final int MAX_ID_LENGTH = 1024;

	private static final Set<StandardOpenOption> CREATE = Set.of(StandardOpenOption.CREATE_NEW,
			StandardOpenOption.WRITE);

	private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY = PosixFilePermissions
		.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

	private final Path directory;

	private final SessionBoard board;

	SessionFiles(Path directory, SessionBoard board) {
		this.directory = directory;
		this.board = board;
	}

	/**
	 * Return the version of a session's file: it changes whenever the file is written or
	 * deleted (and, now and then, when another session's file is).
	 * @param fileName the name of the session's file
	 * @return the version
	 * @see #fileName(String)
	 */
	long version(String fileName) {
		return this.board.version(fileName);
	}

	/**
	 * Return the name of a session's file.
	 * @param id the session id
	 * @return the name, or {@code null} for an id too long to be a session's
	 */
	@Nullable String fileName(String id) {
		Path file = file(id);
		return (file != null) ? file.getFileName().toString() : null;
	}

	/**
	 * Return the directory of the sessions.
	 * @return the directory
	 */
	Path directory() {
		return this.directory;
	}

	/**
	 * Read a session.
	 * @param id the session id
	 * @return the session's bytes and expiry, or {@code null} if there is no such session
	 * (or the id cannot be a session's)
	 * @throws IOException if the session cannot be read
	 */
	@Nullable Stored read(String id) throws IOException {
		Path file = file(id);
		if (file == null) {
			return null;
		}
		try {
			BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
			byte[] data = Files.readAllBytes(file);
			return new Stored(data, attributes.lastModifiedTime().toInstant());
		}
		catch (NoSuchFileException ex) {
			return null;
		}
	}

	/**
	 * Write a session, whole, in place of its previous version.
	 * @param id the session id
	 * @param data its serialized form
	 * @param expiry when it expires
	 * @throws IOException if it cannot be written (the file system is full, for example)
	 */
	void write(String id, byte[] data, Instant expiry) throws IOException {
		Path file = file(id);
		if (file == null) {
			throw new IllegalArgumentException("A session id must have 1 to " + MAX_ID_LENGTH + " characters");
		}
		Path partial = this.directory.resolve(file.getFileName() + "."
				+ Long.toHexString(ThreadLocalRandom.current().nextLong()) + StateDirectory.PARTIAL_SUFFIX);
		try {
			try (FileChannel channel = FileChannel.open(partial, CREATE, OWNER_ONLY)) {
				ByteBuffer buffer = ByteBuffer.wrap(data);
				while (buffer.hasRemaining()) {
					channel.write(buffer);
				}
			}
			setExpiry(partial, expiry);
			Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
			this.board.changed(file.getFileName().toString());
		}
		catch (IOException | RuntimeException ex) {
			Files.deleteIfExists(partial);
			throw ex;
		}
	}

	/**
	 * Move the expiry of a session that exists.
	 * @param id the session id
	 * @param expiry when it expires now
	 * @return {@code false} if the session no longer exists
	 * @throws IOException if the time cannot be set
	 */
	boolean touch(String id, Instant expiry) throws IOException {
		Path file = file(id);
		if (file == null) {
			return false;
		}
		try {
			setExpiry(file, expiry);
			return true;
		}
		catch (NoSuchFileException ex) {
			return false;
		}
	}

	/**
	 * Set the time a session file expires: its modification time, and its access time
	 * too, which nothing reads, so that the JDK need not read the file's times first to
	 * keep one of them.
	 */
	private static void setExpiry(Path file, Instant expiry) throws IOException {
		FileTime time = FileTime.from(expiry);
		Files.getFileAttributeView(file, BasicFileAttributeView.class).setTimes(time, time, null);
	}

	/**
	 * Delete a session.
	 * @param id the session id
	 * @throws IOException if it cannot be deleted
	 */
	void delete(String id) throws IOException {
		Path file = file(id);
		if (file != null && Files.deleteIfExists(file)) {
			this.board.changed(file.getFileName().toString());
		}
	}

	/**
	 * Return the file of a session: its id when the id is made of letters, digits,
	 * {@code -} and {@code _} (Spring Session's ids are UUIDs), otherwise the SHA-256 of
	 * its id, so that no id (a client sends it) names a file elsewhere.
	 * @param id the session id
	 * @return the file, or {@code null} for an id too long to be a session's
	 */
	@Nullable Path file(String id) {
		if (PLAIN_ID.matcher(id).matches()) {
			return this.directory.resolve(id);
		}
		if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
			return null;
		}
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
			return this.directory.resolve("~" + HexFormat.of().formatHex(digest));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A session as it is stored.
	 *
	 * @param data its serialized form
	 * @param expiry when it expires
	 */
	record Stored(byte[] data, Instant expiry) {

	}

}
