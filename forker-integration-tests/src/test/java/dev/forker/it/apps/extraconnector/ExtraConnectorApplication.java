package dev.forker.it.apps.extraconnector;

import org.apache.catalina.connector.Connector;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * A web application with an additional Tomcat connector on a port of its own, the way
 * some applications serve HTTP next to HTTPS.
 */
@SpringBootApplication
public class ExtraConnectorApplication {

	public static void main(String[] args) {
		SpringApplication.run(ExtraConnectorApplication.class, args);
	}

	@Bean
	WebServerFactoryCustomizer<TomcatServletWebServerFactory> extraConnector(@Value("${extra.port}") int port) {
		return (factory) -> {
			Connector connector = new Connector();
			connector.setPort(port);
			factory.addAdditionalConnectors(connector);
		};
	}

}
