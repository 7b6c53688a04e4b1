package dev.forker.sample.webflux;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample has {@code forker.enabled: true}, yet a {@code @SpringBootTest} runs it as
 * one process: no master, no worker.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class SampleWebFluxApplicationTests {

	private final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Test
	void runsAsOneProcessUnderTest() throws Exception {
		assertThat(get("/worker")).isEqualTo("{\"worker\":0,\"pid\":" + ProcessHandle.current().pid() + "}");
		assertThat(ProcessHandle.current().children()).isEmpty();
	}

	@Test
	void workEndpointDoesItsWork() throws Exception {
		assertThat(get("/work?items=500")).contains("\"items\":500").containsPattern("\"digest\":\"[0-9a-f]{64}\"");
	}

	private String get(String path) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path)).build();
		HttpResponse<String> response = this.client.send(request, HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		return response.body();
	}

}
