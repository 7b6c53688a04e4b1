package dev.forker.boot.diagnostics;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.forker.boot.control.ServedPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for forker's failure analyzers.
 */
class FailureAnalyzersTests {

	@Test
	void invalidPropertyNamesPropertyValueAndFix() {
		FailureAnalysis analysis = new InvalidForkerPropertyFailureAnalyzer()
			.analyze(new IllegalStateException(new InvalidForkerPropertyException("forker.workers", 0,
					"a master needs at least one worker", "Set forker.workers to a number from 1 to 32.")));
		assertThat(analysis.getDescription())
			.isEqualTo("forker cannot start: forker.workers=0 is invalid: a master needs at least one worker.");
		assertThat(analysis.getAction()).isEqualTo("Set forker.workers to a number from 1 to 32.");
	}

	@Test
	void memoryExceededNamesThePropertyTheFiguresAndTheFix() {
		FailureAnalysis analysis = new ForkerMemoryExceededFailureAnalyzer()
			.analyze(new IllegalStateException(new ForkerMemoryExceededException(
					"2 workers may claim 2.31 GB, more than the 2.00 GB of the physical memory.",
					"Set -Xmx656m in forker.worker.jvm-args in place of -Xmx1g, or set forker.workers=1.")));
		assertThat(analysis.getDescription()).isEqualTo("forker cannot start: 2 workers may claim 2.31 GB, more "
				+ "than the 2.00 GB of the physical memory. With forker.worker.memory-check=fail forker refuses to "
				+ "start then: no worker was started and no port was taken.");
		assertThat(analysis.getAction()).isEqualTo("Set -Xmx656m in forker.worker.jvm-args in place of -Xmx1g, or "
				+ "set forker.workers=1. Or set forker.worker.memory-check=warn to start anyway with a warning.");
	}

	@Test
	void portInUseNamesThePortAndTheFix() {
		FailureAnalysis analysis = new ForkerPortInUseFailureAnalyzer()
			.analyze(new ForkerPortInUseException("server.port",
					new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080), new BindException("in use")));
		assertThat(analysis.getDescription()).isEqualTo(
				"forker cannot start: Port 8080 on 127.0.0.1 is already in use (server.port=8080), so no worker was started.");
		assertThat(analysis.getAction()).contains("ss -ltnp 'sport = :8080'", "set server.port to a free port");
	}

	@Test
	void portInUseOnAllAddresses() {
		assertThat(new ForkerPortInUseException("management.server.port", new InetSocketAddress(9090),
				new BindException()))
			.hasMessage("Port 9090 on all addresses is already in use");
	}

	@Test
	void portInUseNamesTheManagementPortWhenItIsThatOne() {
		FailureAnalysis analysis = new ForkerPortInUseFailureAnalyzer().analyze(new ForkerPortInUseException(
				"management.server.port", new InetSocketAddress(8081), new BindException("in use")));
		assertThat(analysis.getDescription()).contains("(management.server.port=8081)");
		assertThat(analysis.getAction()).contains("set management.server.port to a free port");
	}

	@Test
	void unsharedPortSaysWhichPortsAreSharedAndWhatToChange() {
		FailureAnalysis analysis = new ForkerUnsharedPortFailureAnalyzer().analyze(new ForkerUnsharedPortException(8443,
				null,
				List.of(new ServedPort("server.port", 8080, 3), new ServedPort("management.server.port", 8081, 4))));
		assertThat(analysis.getDescription()).startsWith("forker cannot share port 8443: ")
			.contains("(server.port=8080, management.server.port=8081)")
			.endsWith("so all but one would fail to start.");
		assertThat(analysis.getAction()).contains("additional Tomcat or Jetty connector", "forker.enabled=false");
	}

	@Test
	void unsupportedPlatformSaysWhereToRun() {
		FailureAnalysis analysis = new ForkerUnsupportedPlatformFailureAnalyzer()
			.analyze(new ForkerUnsupportedPlatformException("no SO_REUSEPORT here"));
		assertThat(analysis.getDescription()).isEqualTo("forker cannot start: no SO_REUSEPORT here.");
		assertThat(analysis.getAction()).contains("Linux or macOS", "forker.enabled=false");
	}

}
