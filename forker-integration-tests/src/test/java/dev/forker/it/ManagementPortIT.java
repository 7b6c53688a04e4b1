package dev.forker.it;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.forker.it.ForkerProcess.ServerJars;
import dev.forker.it.apps.extraconnector.ExtraConnectorApplication;
import dev.forker.it.apps.jettyextraconnector.JettyExtraConnectorApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A management port the workers cannot share fails the start instead of turning into a
 * crash loop. A separate management port that they share ({@code management.server.port},
 * with {@code management.server.address} and {@code management.server.ssl.*}), on every
 * server and in both modes, is in the deployments of {@link ServerModeTlsIT}.
 */
class ManagementPortIT {

	@ParameterizedTest(name = "{0}")
	@CsvSource({ "tomcat", "jetty" })
	void additionalConnectorFailsTheStartWithWhatToChange(String server) throws Exception {
		int extraPort = FreePorts.find();
		ForkerProcess.Builder builder = server.equals("jetty")
				? ForkerProcess.mainClass(JettyExtraConnectorApplication.class, ServerJars.TOMCAT)
				: ForkerProcess.mainClass(ExtraConnectorApplication.class);
		try (ForkerProcess forker = builder.name(server + "-extra-connector")
			.args("--forker.enabled=true", "--forker.workers=2", "--extra.port=" + extraPort)
			.start()) {
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).as("exit code" + forker.tail()).isEqualTo(1);
			String output = forker.output();
			assertThat(output).contains("No worker has been ready yet, so the application cannot start",
					"APPLICATION FAILED TO START", "forker cannot share port " + extraPort,
					"an additional Tomcat or Jetty connector");
			if (server.equals("jetty")) {
				assertThat(output).as("the application runs on Jetty").contains("JettyServletWebServerFactory");
			}
			assertThat(output).doesNotContain("Restarting worker");
			assertThat(forker.livePids(forker.startedPids())).isEmpty();
			assertThat(FreePorts.isFree(extraPort)).isTrue();
		}
	}

}
