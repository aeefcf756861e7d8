/** Test support: the smallest SAM template with a WebSocket API, for tests that change one thing in it. */

/**
 * A WebSocket API whose `$default` route invokes the function `Fn`, with the code
 * folder and any extra function properties given (YAML flow mapping entries).
 */
export function oneRouteTemplate(codeUri: string, functionProperties = ''): string {
  return `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: { ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action }
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties: { ApiId: !Ref Api, RouteKey: $default, Target: !Sub 'integrations/\${Integration}' }
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties: { ApiId: !Ref Api, IntegrationType: AWS_PROXY, IntegrationUri: !GetAtt Fn.Arn }
  Fn:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, CodeUri: ${codeUri}, Handler: app.handler${functionProperties} }
`;
}
