package dev.forker.boot.startup;

import java.io.IOException;
import java.nio.file.Path;

/**
 * How workers start with a prepared cache, as long as the application jar is the one the
 * cache was made from.
 *
 * @param commandLine the command line that starts from the extracted jar with the cache
 * @param jar the application jar
 * @param fingerprint what the jar looked like when the cache was made
 * @since 0.1.0
 */
public record CachedLaunch(JavaCommandLine commandLine, String jar, JarFingerprint fingerprint) {

	/**
	 * Return whether the jar is still the one the cache was made from: a new jar (a
	 * deployment) must reach the workers, not the extracted copy of the old one.
	 * @return whether the cache is current
	 */
	public boolean isCurrent() {
		try {
			return JarFingerprint.of(Path.of(this.jar)).equals(this.fingerprint);
		}
		catch (IOException ex) {
			return false;
		}
	}

}
