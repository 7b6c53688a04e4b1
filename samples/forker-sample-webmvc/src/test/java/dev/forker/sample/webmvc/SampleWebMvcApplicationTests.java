package dev.forker.sample.webmvc;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample has {@code forker.enabled: true}, yet a {@code @SpringBootTest} runs it as
 * one process: no master, no worker.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureTestRestTemplate
class SampleWebMvcApplicationTests {

	@Autowired
	private TestRestTemplate rest;

	@Test
	void runsAsOneProcessUnderTest() {
		WorkerController.WorkerInfo info = this.rest.getForObject("/worker", WorkerController.WorkerInfo.class);
		assertThat(info.pid()).isEqualTo(ProcessHandle.current().pid());
		assertThat(info.worker()).isZero();
		assertThat(ProcessHandle.current().children()).isEmpty();
	}

	@Test
	void workEndpointDoesItsWork() {
		WorkerController.WorkResult result = this.rest.getForObject("/work?items=500",
				WorkerController.WorkResult.class);
		assertThat(result.items()).isEqualTo(500);
		assertThat(result.digest()).hasSize(64);
	}

}
