package dev.forker.sample.jetty;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.servlet.ServletWebServerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample has {@code forker.enabled: true}, yet a {@code @SpringBootTest} runs it as
 * one process on Jetty: no master, no worker.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class SampleJettyApplicationTests {

	private final HttpClient client = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private ServletWebServerFactory webServerFactory;

	@Test
	void runsAsOneProcessOnJettyUnderTest() throws Exception {
		assertThat(this.webServerFactory).isInstanceOf(JettyServletWebServerFactory.class);
		assertThat(get("/worker")).isEqualTo("{\"worker\":0,\"pid\":" + ProcessHandle.current().pid() + "}");
		assertThat(ProcessHandle.current().children()).isEmpty();
	}

	@Test
	void greetingSaysWhoAnswered() throws Exception {
		assertThat(get("/greeting?name=Jetty")).isEqualTo("{\"message\":\"Hello, Jetty, from worker 0\"}");
	}

	private String get(String path) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path)).build();
		HttpResponse<String> response = this.client.send(request, HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		return response.body();
	}

}
