package dev.forker.boot.startup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What identifies a version of a file without reading it: size, modification time and
 * inode.
 *
 * @param size the size in bytes
 * @param modified the modification time in milliseconds
 * @param inode the inode number, or 0 where unknown
 * @since 0.1.0
 */
public record JarFingerprint(long size, long modified, long inode) {

	/**
	 * Return the fingerprint of a file as it is now.
	 * @param jar the file
	 * @return its fingerprint
	 * @throws IOException if the file cannot be read
	 */
	public static JarFingerprint of(Path jar) throws IOException {
		Object inode = null;
		try {
			inode = Files.getAttribute(jar, "unix:ino");
		}
		catch (UnsupportedOperationException | IllegalArgumentException ex) {
			// no inode here
		}
		return new JarFingerprint(Files.size(jar), Files.getLastModifiedTime(jar).toMillis(),
				(inode instanceof Long value) ? value : 0);
	}

}
