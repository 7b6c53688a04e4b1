package dev.forker.it.apps.jettyextraconnector;

import org.eclipse.jetty.server.ServerConnector;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.jetty.JettyServerCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * A web application on Jetty with an additional connector on a port of its own, the way
 * some applications serve HTTP next to HTTPS.
 */
@SpringBootApplication
public class JettyExtraConnectorApplication {

	public static void main(String[] args) {
		SpringApplication.run(JettyExtraConnectorApplication.class, args);
	}

	@Bean
	JettyServerCustomizer extraConnector(@Value("${extra.port}") int port) {
		return (server) -> {
			ServerConnector connector = new ServerConnector(server);
			connector.setPort(port);
			server.addConnector(connector);
		};
	}

}
