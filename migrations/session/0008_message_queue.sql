CREATE TABLE `queued_messages` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` text NOT NULL,
	`message` text NOT NULL,
	`client_tools` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `queued_messages_message_id_unique` ON `queued_messages` (`message_id`);