CREATE TABLE `user_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `user_sessions_recent` ON `user_sessions` (`updated_at`,`id`);