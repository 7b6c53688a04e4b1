package dev.forker.sample.postgres;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * A form login, as most applications with users have: the account pages need a logged-in
 * user, whose login lives in the HTTP session.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	@Bean
	SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
		http.authorizeHttpRequests((requests) -> requests.requestMatchers("/account/**")
			.authenticated()
			.anyRequest()
			.permitAll());
		http.formLogin(Customizer.withDefaults());
		// The owners API is called by other services, not by browsers with a session
		http.csrf((csrf) -> csrf.ignoringRequestMatchers("/owners/**"));
		return http.build();
	}

	@Bean
	UserDetailsService userDetailsService() {
		return new InMemoryUserDetailsManager(
				User.withUsername("betty").password("{noop}davis").roles("USER").build());
	}

}
