package dev.forker.boot.master;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Where the secrets workers introduce themselves with come from.
 *
 * @since 0.1.0
 */
final class WorkerTokens {

	private static final SecureRandom random = new SecureRandom();

	private WorkerTokens() {
	}

	static String next() {
		byte[] secret = new byte[16];
		random.nextBytes(secret);
		return HexFormat.of().formatHex(secret);
	}

}
