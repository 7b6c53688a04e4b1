package dev.forker.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for {@code localhost}, generated with the JDK's
 * {@code keytool} into a PKCS12 key store once per test run.
 */
final class SelfSignedCertificate {

	static final String PASSWORD = "forker-it";

	private static Path keyStore;

	private SelfSignedCertificate() {
	}

	static synchronized Path keyStore() {
		if (keyStore == null) {
			keyStore = generate();
		}
		return keyStore;
	}

	private static Path generate() {
		try {
			Path directory = Path.of(System.getProperty("forker.it.log-dir", "target/it-logs"))
				.resolveSibling("it-tls");
			Files.createDirectories(directory);
			Path store = directory.resolve("server.p12");
			Files.deleteIfExists(store);
			Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
			Process process = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "server",
					"-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext",
					"SAN=dns:localhost,ip:127.0.0.1,ip:::1", "-validity", "2", "-storetype", "PKCS12", "-keystore",
					store.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD))
				.redirectErrorStream(true)
				.start();
			String output = new String(process.getInputStream().readAllBytes());
			if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
				throw new IllegalStateException("keytool failed: " + output);
			}
			return store;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Spring Boot arguments that enable HTTPS with {@code server.ssl.*}.
	 * @return the arguments
	 */
	static String[] serverSslArguments() {
		return new String[] { "--server.ssl.key-store=file:" + keyStore(), "--server.ssl.key-store-type=PKCS12",
				"--server.ssl.key-store-password=" + PASSWORD, "--server.ssl.key-alias=server" };
	}

	/**
	 * Spring Boot arguments that enable HTTPS with an SSL bundle named {@code web}.
	 * @return the arguments
	 */
	static String[] sslBundleArguments() {
		return new String[] { "--spring.ssl.bundle.jks.web.keystore.location=file:" + keyStore(),
				"--spring.ssl.bundle.jks.web.keystore.type=PKCS12",
				"--spring.ssl.bundle.jks.web.keystore.password=" + PASSWORD, "--server.ssl.bundle=web" };
	}

}
