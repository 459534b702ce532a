"""What a developer would otherwise write: hello world plus ask_sdk_dynamodb's DynamoDbAdapter,
reading the persistent attributes on launch. (The adapter builds boto3.resource("dynamodb") as a
default argument, at import time.)"""

import os

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_core.utils import is_request_type
from ask_sdk_dynamodb.adapter import DynamoDbAdapter
from ask_sdk_model import Response


class Launch(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        visits = handler_input.attributes_manager.persistent_attributes.get("visits", 0)
        return handler_input.response_builder.speak(f"Hello world, visit {visits}").ask("Hello?").response


sb = CustomSkillBuilder(persistence_adapter=DynamoDbAdapter(table_name=os.environ["BASELINE_TABLE"]))
sb.add_request_handler(Launch())
lambda_handler = sb.lambda_handler()
