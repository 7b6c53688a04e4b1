package dev.forker.it;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import dev.forker.it.SharedDeployments.Deployment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * IPv4, IPv6 and the wildcard address work in both modes, on every web server. The
 * wildcard address in shared mode (the default) is that of the {@link SharedDeployments
 * shared deployments}; one address of each server in each mode is that of the
 * {@link ServerModeTlsIT} deployments (Tomcat: {@code 127.0.0.1} in reuseport mode,
 * {@code ::1} in shared mode; Reactor Netty: {@code ::1}, then {@code 127.0.0.1}; Jetty:
 * {@code ::1} in both); the rest start here.
 */
@ExtendWith(SharedDeployments.class)
class AddressFamiliesIT {

	@ParameterizedTest(name = "shared mode on * ({0})")
	@EnumSource(Deployment.class)
	void sharedDeploymentsServeTheWildcardAddress(Deployment deployment) throws Exception {
		ForkerProcess forker = SharedDeployments.get(deployment);
		for (String host : new String[] { "127.0.0.1", "::1" }) {
			HttpProbe.Target target = new HttpProbe.Target(false, InetAddress.getByName(host), forker.port());
			Map<Long, WorkerAnswer> answers = forker.awaitDistinctWorkers(target, 2, Duration.ofSeconds(30));
			assertThat(answers.values()).extracting(WorkerAnswer::worker).containsExactlyInAnyOrder(1, 2);
		}
		forker.assertNoErrorsLogged();
	}

	@ParameterizedTest(name = "{0} mode on {1} ({2})")
	@CsvSource({ "reuseport, *, sample-webmvc", "reuseport, 127.0.0.1, sample-jetty", "reuseport, *, sample-jetty",
			"shared, 127.0.0.1, sample-jetty" })
	void workersServeTheConfiguredAddress(String mode, String address, String sample) throws Exception {
		ForkerProcess.Builder builder = ForkerProcess.jar(ForkerProcess.sampleJar(sample))
			.name(sample + "-" + mode + "-" + address.replace(':', '_').replace("*", "any"))
			.args("--forker.workers=2", "--forker.mode=" + mode);
		if (!address.equals("*")) {
			builder.args("--server.address=" + address);
		}
		try (ForkerProcess forker = builder.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			String[] reachable = address.equals("*") ? new String[] { "127.0.0.1", "::1" } : new String[] { address };
			for (String host : reachable) {
				HttpProbe.Target target = new HttpProbe.Target(false, InetAddress.getByName(host), forker.port());
				Map<Long, WorkerAnswer> answers = forker.awaitDistinctWorkers(target, 2, Duration.ofSeconds(30));
				assertThat(answers.values()).extracting(WorkerAnswer::worker).containsExactlyInAnyOrder(1, 2);
			}
			if (address.equals("127.0.0.1")) {
				assertThat(HttpProbe.worker(new HttpProbe.Target(false, InetAddress.getByName("::1"), forker.port())))
					.as("not served on ::1")
					.isEmpty();
			}
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
		}
	}

}
