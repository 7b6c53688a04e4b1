package dev.forker.boot.launch;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.util.StringUtils;

import dev.forker.boot.control.WorkerEnvironment;

/**
 * The OpenTelemetry {@code service.instance.id} of a worker,
 * {@code <host>:<master pid>:<worker id>}: distinct for every worker of every master on
 * every host, and the same for the replacement of a worker, which continues its series.
 *
 * @since 0.1.0
 */
final class ServiceInstanceId {

	private static final Path LINUX_HOST_NAME = Path.of("/proc/sys/kernel/hostname");

	private ServiceInstanceId() {
	}

	static String of(WorkerEnvironment worker) {
		return hostName() + ":" + worker.masterPid() + ":" + worker.workerId();
	}

	/**
	 * Return the host name without a DNS look-up where possible: the {@code HOSTNAME}
	 * variable (set in containers), the kernel's host name on Linux, the JDK's otherwise.
	 */
	static String hostName() {
		String host = System.getenv("HOSTNAME");
		if (StringUtils.hasText(host)) {
			return host.trim();
		}
		try {
			if (Files.isReadable(LINUX_HOST_NAME)) {
				host = Files.readString(LINUX_HOST_NAME, StandardCharsets.US_ASCII).trim();
				if (!host.isEmpty()) {
					return host;
				}
			}
			return InetAddress.getLocalHost().getHostName();
		}
		catch (IOException ex) {
			return "localhost";
		}
	}

}
