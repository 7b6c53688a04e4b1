package dev.forker.boot.launch;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.Locale;

import dev.forker.boot.diagnostics.ForkerUnsupportedPlatformException;

/**
 * Checks that this platform has what prefork mode needs: {@code SO_REUSEPORT} and POSIX
 * process control. Windows has neither.
 *
 * @since 0.1.0
 */
final class PlatformSupport {

	private PlatformSupport() {
	}

	static void check(String osName) {
		if (osName.toLowerCase(Locale.ROOT).startsWith("windows")) {
			throw new ForkerUnsupportedPlatformException(
					"prefork mode needs SO_REUSEPORT and POSIX process control, which this operating system (" + osName
							+ ") does not have");
		}
		try (ServerSocketChannel channel = ServerSocketChannel.open()) {
			if (!channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
				throw new ForkerUnsupportedPlatformException("prefork mode needs SO_REUSEPORT, which this platform ("
						+ osName + ", Java " + System.getProperty("java.version") + ") does not support");
			}
		}
		catch (IOException ex) {
			throw new ForkerUnsupportedPlatformException("cannot open a socket to check for SO_REUSEPORT: " + ex);
		}
	}

}
