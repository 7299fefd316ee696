#pragma once

class ApiRouter;

/// The compiled-in files: the HTML test page with its script and style, and the OpenAPI
/// document. None needs the token (the page asks for it).
class StaticController
{
public:
    static void registerRoutes(ApiRouter &router);
};
